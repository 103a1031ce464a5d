// Server `postgres_changes` event data → the payload realtime-js hands to callbacks.
// Cell conversion follows @supabase/realtime-js 2.119.1 `src/lib/transformers.ts`
// (convertChangeData / convertCell / toArray ...), the payload shape and its `{}` defaults
// follow `RealtimeChannel.ts` `_updateFilterTransform` + `_getPayloadRecords`. Pure: inputs
// are never mutated and nothing is logged (realtime-js 2.119.1 no longer logs JSON errors).

/** One entry of `data.columns`. */
export type PostgresChangesColumn = {
  name: string
  type: string
  flags?: string[]
  type_modifier?: number
}

/** A row as the server sends it (`record` / `old_record`), or as converted for callbacks. */
export type PostgresChangesRecord = Record<string, unknown>

export type PostgresChangesEventType = 'INSERT' | 'UPDATE' | 'DELETE'

/**
 * `data` of a server `postgres_changes` event (PROTOCOL.md §3.10). INSERT has no
 * `old_record`, DELETE no `record`; `errors` is `null` when there are none.
 */
export type PostgresChangesData = {
  schema: string
  table: string
  commit_timestamp: string
  type: PostgresChangesEventType
  columns: readonly PostgresChangesColumn[]
  record?: PostgresChangesRecord | null
  old_record?: PostgresChangesRecord | null
  errors: readonly string[] | null
}

type PayloadBase = {
  schema: string
  table: string
  commit_timestamp: string
  /** realtime-js types this `string[]`, but passes the server's value through: often `null`. */
  errors: string[] | null
}

export type RealtimePostgresInsertPayload<T extends object> = PayloadBase & {
  eventType: 'INSERT'
  new: T
  old: Record<string, never>
}

export type RealtimePostgresUpdatePayload<T extends object> = PayloadBase & {
  eventType: 'UPDATE'
  new: T
  old: Partial<T>
}

export type RealtimePostgresDeletePayload<T extends object> = PayloadBase & {
  eventType: 'DELETE'
  new: Record<string, never>
  old: Partial<T>
}

/** What a realtime-js `postgres_changes` callback receives. */
export type RealtimePostgresChangesPayload<T extends object = PostgresChangesRecord> =
  RealtimePostgresInsertPayload<T> | RealtimePostgresUpdatePayload<T> | RealtimePostgresDeletePayload<T>

const NUMERIC_TYPES: readonly string[] = ['float4', 'float8', 'int2', 'int4', 'int8', 'numeric', 'oid']

function toNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value
  const parsed = Number.parseFloat(value)
  return Number.isNaN(parsed) ? value : parsed
}

function toJson(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return value
  }
}

// `{1,2}` → [1, 2]: the inside is read as a JSON array, and if that fails, split on commas.
// Non-strings (servers today send JSON arrays) and strings without outer braces pass through.
function toArray(value: unknown, elementType: string): unknown {
  if (typeof value !== 'string' || value[0] !== '{' || value[value.length - 1] !== '}') return value
  const inner = value.slice(1, -1)
  let elements: unknown[]
  try {
    elements = JSON.parse(`[${inner}]`) as unknown[]
  } catch {
    elements = inner ? inner.split(',') : []
  }
  return elements.map((element) => convertCell(elementType, element))
}

/**
 * Converts one cell by its Postgres type name: `bool` 't'/'f' → boolean; float/int/numeric/oid
 * strings → number (parseFloat, kept when NaN); `json`/`jsonb` strings parsed (kept when
 * invalid); `timestamp` first space → 'T'; `_type` array literals → arrays of converted
 * elements. Every other type, and any value not of the expected shape, passes through.
 */
export function convertCell(type: string, value: unknown): unknown {
  if (type.startsWith('_')) return toArray(value, type.slice(1))
  if (type === 'bool') return value === 't' ? true : value === 'f' ? false : value
  if (NUMERIC_TYPES.includes(type)) return toNumber(value)
  if (type === 'json' || type === 'jsonb') return toJson(value)
  if (type === 'timestamp' && typeof value === 'string') return value.replace(' ', 'T')
  return value
}

/**
 * Converts every field of `record` by the type of the first column of that name; fields
 * without a column, or whose type is in `skipTypes`, pass through. No record → `{}`.
 */
export function convertChangeData(
  columns: readonly PostgresChangesColumn[],
  record: PostgresChangesRecord | null | undefined,
  options: { skipTypes?: readonly string[] } = {},
): PostgresChangesRecord {
  if (!record) return {}
  const skipTypes = options.skipTypes ?? []
  const types = new Map<string, string>()
  for (const column of columns) if (!types.has(column.name)) types.set(column.name, column.type)
  // fromEntries defines own properties, so a `__proto__` field stays a field.
  return Object.fromEntries(
    Object.keys(record).map((key) => {
      const type = types.get(key)
      const value = record[key]
      return [key, type && !skipTypes.includes(type) ? convertCell(type, value) : value]
    }),
  )
}

/**
 * The callback payload for one event: `new` from `record` for INSERT/UPDATE, `old` from
 * `old_record` for UPDATE/DELETE, `{}` otherwise (the type test is case-sensitive, as in
 * realtime-js). `T` is not checked: it is what the caller says the rows look like.
 */
export function toPostgresChangesPayload<T extends object = PostgresChangesRecord>(
  data: PostgresChangesData,
): RealtimePostgresChangesPayload<T> {
  const { schema, table, commit_timestamp, type, errors } = data
  const columns = data.columns ?? []
  const payload = {
    schema,
    table,
    commit_timestamp,
    eventType: type,
    new: type === 'INSERT' || type === 'UPDATE' ? convertChangeData(columns, data.record) : {},
    old: type === 'UPDATE' || type === 'DELETE' ? convertChangeData(columns, data.old_record) : {},
    errors: Array.isArray(errors) ? [...errors] : errors,
  }
  return payload as RealtimePostgresChangesPayload<T>
}
