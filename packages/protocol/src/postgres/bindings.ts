// postgres_changes bindings: what goes into `config.postgres_changes` of phx_join, how the
// server's reply list is matched with it, and which binding an incoming event is for.
// Behaviour of @supabase/realtime-js 2.119.1 `RealtimeChannel.ts`: `_on` (builder → string,
// duplicate check `isSamePostgresFilter`), `subscribe` + `_updatePostgresBindings`
// (positional match, `isFilterValueEqual`), `_updateFilterMessage` (ids + event match).

/** `event` values of a postgres_changes binding. */
export const REALTIME_POSTGRES_CHANGES_LISTEN_EVENT = {
  ALL: '*',
  INSERT: 'INSERT',
  UPDATE: 'UPDATE',
  DELETE: 'DELETE',
} as const

export type PostgresChangesEvent =
  (typeof REALTIME_POSTGRES_CHANGES_LISTEN_EVENT)[keyof typeof REALTIME_POSTGRES_CHANGES_LISTEN_EVENT]

/** One entry of the join payload's `config.postgres_changes`, as realtime-js sends it. */
export type PostgresChangesBinding = {
  event: PostgresChangesEvent
  schema: string
  table?: string
  /** `column=op.value[,…]`; absent, `undefined` and `null` all mean "no filter". */
  filter?: string
  /** Columns to receive instead of the whole row. */
  select?: readonly string[]
}

/** Anything with a `build()` returning the filter string (duck-typed, as in realtime-js). */
export type PostgresFilterBuilderLike = { build(): string }

/** What `channel.on('postgres_changes', …)` accepts: the filter may still be a builder. */
export type PostgresChangesBindingInput = Omit<PostgresChangesBinding, 'filter'> & {
  filter?: string | PostgresFilterBuilderLike
}

/** One entry of the join reply's `response.postgres_changes`: the client map echoed plus `id`. */
export type ServerPostgresChangesBinding = {
  id: number
  event: string
  schema?: string | null
  table?: string | null
  filter?: string | null
  select?: readonly string[] | null
}

export type PostgresBindingsMatch = { ok: true; ids: number[] } | { ok: false; error: string }

/** The `CHANNEL_ERROR` message realtime-js reports when the lists differ. */
export const POSTGRES_BINDINGS_MISMATCH = 'mismatch between server and client bindings for postgres changes'

// in a module of their own: a tab bundles them without the engine-side matching below
import { sameOptional } from './normalize.ts'
export { isSamePostgresChangesBinding, normalizePostgresChangesBinding } from './normalize.ts'

/**
 * Matches the join reply's list with the client's bindings by position: entry i must have
 * the same `event` (exactly) and the same `schema`, `table`, `filter` (null ≡ undefined);
 * `select` is not compared and extra server entries are ignored. On success `ids[i]` is the
 * server id of binding i. A reply without a `postgres_changes` key (`undefined`) is not
 * checked, as in realtime-js: `{ok: true, ids: []}`, and the bindings stay without ids.
 */
export function matchServerBindings(
  client: readonly PostgresChangesBinding[],
  server: readonly (ServerPostgresChangesBinding | null)[] | null | undefined,
): PostgresBindingsMatch {
  if (server === undefined) return { ok: true, ids: [] }
  const ids: number[] = []
  for (const [i, binding] of client.entries()) {
    const entry = server?.[i]
    if (
      !entry ||
      entry.event !== binding.event ||
      !sameOptional(entry.schema, binding.schema) ||
      !sameOptional(entry.table, binding.table) ||
      !sameOptional(entry.filter, binding.filter)
    ) {
      return { ok: false, error: POSTGRES_BINDINGS_MISMATCH }
    }
    ids.push(entry.id)
  }
  return { ok: true, ids }
}

/** The parts of a `postgres_changes` event payload (`{ids, data}`) that routing reads. */
export type PostgresChangesRouting = { ids: readonly number[]; data?: { type?: string } | null }

/**
 * Whether `binding`, whose server id is `id`, receives `message`: `ids` includes `id`, and
 * the binding's event is `'*'` or equals `data.type` ignoring case. A binding without id
 * (the reply had no list) receives every event if `'*'`, none otherwise. Unlike
 * realtime-js, an id of 0 counts (realtime-js tests the id for truthiness).
 */
export function bindingReceives(
  binding: Pick<PostgresChangesBinding, 'event'>,
  id: number | undefined,
  message: PostgresChangesRouting,
): boolean {
  const { event } = binding
  if (id === undefined) return event === '*'
  if (!Array.isArray(message.ids) || !message.ids.includes(id)) return false
  if (event === '*') return true
  const type = message.data?.type
  return typeof type === 'string' && type.toLowerCase() === event.toLowerCase()
}
