// A matched change → the `postgres_changes` push payload, as the real server builds it:
// supabase/realtime `realtime.apply_rls` (output per distinct `selected_columns`),
// `Replications.list_changes` (missing keys become `[]`/`{}`), `ReplicationPoller.generate_record`
// + `Realtime.Adapters.Changes` (data keys in Jason's sorted order: columns, commit_timestamp,
// errors, old_record, record, schema, table, type; `errors` null when empty) and
// `MessageDispatcher.dispatch` (payload `%{ids, data}`, encoded data-first; `ids` lists the
// channel's matching subscription ids in reverse subscription order). Besides:
// - `select` keeps the listed columns plus the primary key, in columns, record and old_record;
// - a DELETE on a table with row level security sends only key columns in old_record;
// - a change whose row data exceeds ~1 MiB (the real limit is on wal2json's text of the change,
//   `poll_max_record_bytes` 1048576; ours is estimated from the JSON of record, old_record and
//   columns) keeps only values of at most 64 bytes, with errors ["Error 413: Payload Too Large"];
// - an INSERT/UPDATE of a table without primary key becomes
//   `{columns: [], commit_timestamp: null, errors: ["Error 400: Bad Request, no primary key"], record: {}, …}`.
import { lacksPrimaryKey, matchChange } from './match.ts'
import type {
  PostgresChangesBinding,
  PostgresChangesPayload,
  PostgresChangesRecord,
  RowChange,
  ServerChangesData,
  Subscription,
} from './types.ts'

export const MAX_RECORD_BYTES = 1_048_576
const SMALL_VALUE_BYTES = 64
const sizes = new WeakMap<RowChange, number>()

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null')
}

function changeBytes(change: RowChange): number {
  let size = sizes.get(change)
  if (size === undefined) {
    size = bytes(change.record ?? {}) + bytes(change.old_record ?? {}) + bytes(change.columns)
    sizes.set(change, size)
  }
  return size
}

function pick(
  row: PostgresChangesRecord | undefined,
  keep: (name: string, value: unknown) => boolean,
): PostgresChangesRecord {
  // no prototype: a column named "__proto__" is a column like any other
  const out = Object.create(null) as PostgresChangesRecord
  for (const [name, value] of Object.entries(row ?? {})) if (keep(name, value)) out[name] = value
  return out
}

function errorData(change: RowChange): ServerChangesData {
  const head = { columns: [], commit_timestamp: null, errors: ['Error 400: Bad Request, no primary key'] }
  const old = change.type === 'UPDATE' ? { old_record: {} } : {}
  return { ...head, ...old, record: {}, schema: change.schema, table: change.table, type: change.type }
}

function rowData(select: readonly string[] | null, change: RowChange): ServerChangesData {
  const key = change.primary_key ?? []
  const selected = (name: string) => select === null || select.includes(name) || key.includes(name)
  const tooLarge = changeBytes(change) > MAX_RECORD_BYTES
  const fits = (value: unknown) => !tooLarge || bytes(value) <= SMALL_VALUE_BYTES
  const data: Omit<ServerChangesData, 'schema' | 'table' | 'type'> = {
    columns: change.columns.filter((c) => selected(c.name)).map((c) => ({ name: c.name, type: c.type })),
    commit_timestamp: change.commit_timestamp,
    errors: tooLarge ? ['Error 413: Payload Too Large'] : null,
  }
  if (change.type !== 'INSERT') {
    const keyOnly = change.type === 'DELETE' && change.rls_enabled === true
    data.old_record = pick(change.old_record, (n, v) => selected(n) && fits(v) && (!keyOnly || key.includes(n)))
  }
  if (change.type !== 'DELETE') data.record = pick(change.record, (n, v) => selected(n) && fits(v))
  return { ...data, schema: change.schema, table: change.table, type: change.type }
}

/** The push payload of `change` for subscriptions with `subscription`'s `select`, addressed to `ids`. */
export function shapeChange(
  subscription: Subscription,
  change: RowChange,
  ids: readonly number[],
): PostgresChangesPayload {
  const data = lacksPrimaryKey(change) ? errorData(change) : rowData(subscription.select, change)
  return { data, ids: [...ids] }
}

function selectKey(select: readonly string[] | null): string {
  return select === null ? '' : select.toSorted().join(',')
}

/**
 * Every push one channel gets for `change`: its matching subscriptions grouped by `select`
 * (one push per distinct column list, no-select group first, then by the sorted list joined with
 * commas), each with the group's ids in reverse subscription order, as the real server sends them.
 */
export function routeChange(bindings: readonly PostgresChangesBinding[], change: RowChange): PostgresChangesPayload[] {
  const groups = new Map<string, { subscription: Subscription; ids: number[] }>()
  for (const binding of bindings) {
    if (!matchChange(binding.subscription, change)) continue
    const key = selectKey(binding.subscription.select)
    const group = groups.get(key)
    if (group) group.ids.unshift(binding.id)
    else groups.set(key, { subscription: binding.subscription, ids: [binding.id] })
  }
  return [...groups.entries()]
    .toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, group]) => shapeChange(group.subscription, change, group.ids))
}
