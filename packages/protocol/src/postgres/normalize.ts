// normalizePostgresChangesBinding and isSamePostgresChangesBinding, re-exported by bindings.ts: the
// postgres_changes binding functions a tab needs (RealtimeChannel.on), kept apart so that a bundle
// splitting the engine into a chunk of its own does not pull the engine's matching into the tab's.
import type { PostgresChangesBinding, PostgresChangesBindingInput } from './bindings.ts'

/**
 * A copy of `input` with a builder filter replaced by its `build()` string: the builder is
 * snapshotted now. Other keys, and their order, are kept, so the join payload JSON is the
 * one realtime-js would send.
 */
export function normalizePostgresChangesBinding(input: PostgresChangesBindingInput): PostgresChangesBinding {
  const { filter } = input
  const out = { ...input } as PostgresChangesBinding
  if (typeof filter === 'object' && filter !== null && typeof filter.build === 'function') {
    const built: unknown = filter.build()
    if (typeof built !== 'string') {
      throw new TypeError(`postgres_changes filter: build() must return a string, got ${typeof built}`)
    }
    out.filter = built
  }
  if (Array.isArray(input.select)) out.select = [...input.select]
  return out
}

// null and undefined are alike; '' is NOT undefined (realtime-js's comment says it is, its code does not).
export const sameOptional = (a: string | null | undefined, b: string | null | undefined): boolean =>
  (a ?? undefined) === (b ?? undefined)

/**
 * Whether the server would collapse `a` and `b` into one subscription, so the second must
 * not be registered (realtime-js ignores it and logs): same event, schema, table, filter and
 * `select` (compared as `select.join()`).
 */
export function isSamePostgresChangesBinding(a: PostgresChangesBinding, b: PostgresChangesBinding): boolean {
  return (
    a.event === b.event &&
    sameOptional(a.schema, b.schema) &&
    sameOptional(a.table, b.table) &&
    sameOptional(a.filter, b.filter) &&
    sameOptional(a.select?.join(), b.select?.join())
  )
}
