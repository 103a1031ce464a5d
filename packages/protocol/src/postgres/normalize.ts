// normalizePostgresChangesBinding, re-exported by bindings.ts: the one postgres_changes
// binding function a tab needs (RealtimeChannel.on), kept apart so that a bundle splitting
// the engine into a chunk of its own does not pull the engine's matching into the tab's.
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
