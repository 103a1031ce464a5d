// isRecord, re-exported by presence/records.ts: the one helper of that module a tab needs at once (host/protocol.ts),
// kept apart so the tab's bundle does not carry the presence helpers, which load with the presence code.

/** A non-null, non-array object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
