// One entry of a join's `config.postgres_changes` → a Subscription, with the real server's
// error messages. Re-implements supabase/realtime `lib/extensions/postgres_cdc_rls/
// subscriptions.ex` `parse_subscription_params/1` (@ 833cf36c): clause order, top-level comma
// splitting that respects parentheses and double quotes (a quote opens only after `.`, `(` or
// `,`), `not.` negation, `in` lists rewritten to Postgres array literals `{a,b}`, PostgREST-style
// unquoting of other values, and `select` handling. The `id` stands in for `:erlang.phash2` of the
// client map (PROTOCOL.md §3.10: any stable integer): a 27-bit FNV-1a hash of the entry's
// canonical JSON (keys sorted), never 0 (realtime-js ignores a falsy id).
import {
  POSTGRES_CHANGES_FILTER_OPERATORS,
  type RealtimePostgresChangesFilterOperator,
} from '@shared-realtime/protocol'
import { inspect, type Term } from './inspect.ts'
import type { Filter, ParseResult, PostgresChangesEvent, Subscription } from './types.ts'

const NO_PARAMS = 'No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: '
const SELECT_NOT_A_LIST =
  'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]'
const SELECT_ON_WILDCARD =
  'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.'
const EMPTY_SEGMENT = 'filter must not contain empty segments (check for extra commas)'
const IN_PARENS = '`in` filter value must be wrapped by parentheses'

type Entry = Record<string, unknown>
type Step<T> = { ok: true; value: T } | { ok: false; message: string }

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .toSorted()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Entry)[k])}`)
    return `{${entries.join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** A stable id for a `postgres_changes` entry: equal entries (any key order) get equal ids. */
export function postgresChangesId(entry: unknown): number {
  let hash = 0x811c9dc5
  for (const byte of new TextEncoder().encode(canonical(entry))) {
    hash ^= byte
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash & 0x7ffffff || 1
}

function splitOnce(text: string, separator: string): string[] {
  const at = text.indexOf(separator)
  return at < 0 ? [text] : [text.slice(0, at), text.slice(at + separator.length)]
}

/** `split_top_level/6`: commas outside parentheses and quotes separate filters. */
function splitTopLevel(filter: string): string[] {
  const segments: string[] = []
  let current = ''
  let depth = 0
  let quoted = false
  let prev = ''
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] ?? ''
    if (quoted) {
      if (ch === '\\' && i + 1 < filter.length) {
        const next = filter[++i] ?? ''
        current += ch + next
        prev = next
        continue
      }
      if (ch === '"') quoted = false
      current += ch
      prev = ch
    } else if (ch === '"' && (prev === '.' || prev === '(' || prev === ',')) {
      quoted = true
      current += ch
      prev = ch
    } else if (ch === ',' && depth === 0) {
      segments.push(current)
      current = ''
      prev = ''
    } else {
      if (ch === '(') depth++
      if (ch === ')') depth = Math.max(0, depth - 1)
      current += ch
      prev = ch
    }
  }
  segments.push(current)
  return segments
}

/** `unquote_value/1`: `"a\"b"` → `a"b`; anything not exactly one quoted string stays as is. */
function unquote(value: string): string {
  if (!value.startsWith('"')) return value
  let out = ''
  for (let i = 1; i < value.length; i++) {
    const ch = value[i] ?? ''
    if (ch === '"') return i === value.length - 1 ? out : value
    if (ch === '\\' && i + 1 < value.length) out += value[++i] ?? ''
    else out += ch
  }
  return value
}

function isOperator(op: string): op is RealtimePostgresChangesFilterOperator {
  return (POSTGRES_CHANGES_FILTER_OPERATORS as readonly string[]).includes(op)
}

function parseSegment(segment: string): Step<Filter> {
  const trimmed = segment.trim()
  if (trimmed === '') return { ok: false, message: EMPTY_SEGMENT }
  const colRest = splitOnce(trimmed, '=')
  const [column, rest] = colRest
  if (column === undefined || rest === undefined) return { ok: false, message: inspect(colRest) }
  const negate = rest.startsWith('not.')
  const opValue = splitOnce(negate ? rest.slice(4) : rest, '.')
  const [op, value] = opValue
  if (op === undefined || value === undefined) return { ok: false, message: inspect(opValue) }
  if (!isOperator(op)) return { ok: false, message: inspect(opValue) }
  if (op !== 'in') return { ok: true, value: { column, op, value: unquote(value), negate } }
  if (value.length >= 2 && value.startsWith('(') && value.endsWith(')')) {
    return { ok: true, value: { column, op, value: `{${value.slice(1, -1)}}`, negate } }
  }
  return { ok: false, message: IN_PARENS }
}

/** `parse_filters/1`; the error is the part after "Error parsing `filter` params: ". */
export function parseFilters(filter: string): Step<Filter[]> {
  const trimmed = filter.trim()
  if (trimmed === '') return { ok: true, value: [] }
  const filters: Filter[] = []
  for (const segment of splitTopLevel(trimmed)) {
    const parsed = parseSegment(segment)
    if (!parsed.ok) return parsed
    filters.push(parsed.value)
  }
  return { ok: true, value: filters }
}

function actionFilter(entry: Entry): PostgresChangesEvent {
  const event = entry.event
  if (typeof event !== 'string') return '*'
  const upper = event.toUpperCase()
  return upper === 'INSERT' || upper === 'UPDATE' || upper === 'DELETE' ? upper : '*'
}

function parseSelect(entry: Entry): Step<string[] | null> {
  const select = entry.select
  if (typeof select === 'string') return { ok: false, message: SELECT_NOT_A_LIST }
  if (!Array.isArray(select)) return { ok: true, value: null }
  const columns = select.filter((c): c is string => typeof c === 'string')
  return { ok: true, value: columns.length > 0 ? columns : null }
}

function build(
  event: PostgresChangesEvent,
  schema: string,
  table: string,
  filters: Filter[],
  select: string[] | null,
): Step<Subscription> {
  if (select !== null && (schema === '*' || table === '*')) return { ok: false, message: SELECT_ON_WILDCARD }
  return { ok: true, value: { event, schema, table, filters, select } }
}

function parseEntry(entry: unknown): Step<Subscription> {
  const isMap = typeof entry === 'object' && entry !== null && !Array.isArray(entry)
  const params: Entry = isMap ? (entry as Entry) : {}
  const event = actionFilter(params)
  const select = parseSelect(params)
  if (!select.ok) return select
  const { schema, table, filter } = params
  const has = (key: string) => isMap && Object.hasOwn(params, key)
  if (isMap && typeof schema === 'string' && typeof table === 'string' && typeof filter === 'string') {
    const filters = parseFilters(filter)
    if (!filters.ok) return { ok: false, message: `Error parsing \`filter\` params: ${filters.message}` }
    return build(event, schema, table, filters.value, select.value)
  }
  if (typeof schema === 'string' && typeof table === 'string' && !has('filter'))
    return build(event, schema, table, [], select.value)
  if (typeof schema === 'string' && !has('table') && !has('filter')) return build(event, schema, '*', [], select.value)
  if (typeof table === 'string' && !has('schema') && !has('filter'))
    return build(event, 'public', table, [], select.value)
  if (has('user_token') || has('auth_token')) return { ok: false, message: `${NO_PARAMS}<redacted>` }
  return { ok: false, message: NO_PARAMS + inspect(entry as Term) }
}

/**
 * Parses one (non-null) entry of `config.postgres_changes`. The real server reports an error as
 * a `system` push `{extension: "postgres_changes", status: "error", message}` and does not retry.
 */
export function parsePostgresChangesParams(entry: unknown): ParseResult {
  const id = postgresChangesId(entry)
  const parsed = parseEntry(entry)
  return parsed.ok ? { ok: true, subscription: parsed.value, id } : { ok: false, message: parsed.message, id }
}
