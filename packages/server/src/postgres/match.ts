// Does a captured change go to a subscription? Mirrors supabase/realtime `realtime.apply_rls`
// + `realtime.is_visible_through_filters` + `realtime.check_equality_op` (priv/repo/
// tenant_schema/realtime/functions, @ 833cf36c):
// - event: `*` or the change's type; table: the tables fixed when the subscription was resolved,
//   else `schema`/`table` read as LIKE patterns without escape character (`*` = any), as the
//   real server's subscription insert reads them;
// - filters are ANDed; a filter on a column the change does not carry, or whose comparison is
//   NULL (a NULL cell with eq/neq/lt/…/in/like/match, `not.` included), hides the change;
//   `is` and `isdistinct` are NULL-safe;
// - DELETE events ARE filtered (Supabase's docs say they are not; the server changed in
//   migration 20230128025212 "enable_filtering_on_delete_record"): the filters are applied to
//   the old record, which holds the primary key only unless REPLICA IDENTITY FULL, so a filter on
//   another column hides every DELETE of a table with the default replica identity;
// - an INSERT/UPDATE of a table without primary key skips the filters: the real server sends
//   its `Error 400: Bad Request, no primary key` event to every subscription of the table;
// - filters on array columns never match (the real server's cast of the JSON text `[1, 2]` to an
//   array type raises, stalling its replication poller), nor do eq/lt/… on `json` (no operator).
// Row level security of the table is not applied: every subscriber sees every row.
import { cellText, compare, parseArrayLiteral, parseBool, readAs } from './values.ts'
import type { Filter, PostgresChangesRecord, RowChange, Subscription } from './types.ts'

const regexCache = new Map<string, RegExp | null>()

function cachedRegExp(source: string, flags: string): RegExp | null {
  const key = `${flags}/${source}`
  if (!regexCache.has(key)) {
    let compiled: RegExp | null = null
    try {
      compiled = new RegExp(source, flags)
    } catch {
      compiled = null
    }
    if (regexCache.size > 1000) regexCache.clear()
    regexCache.set(key, compiled)
  }
  return regexCache.get(key) ?? null
}

function likeSource(pattern: string, backslashEscapes: boolean): string {
  let source = ''
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] ?? ''
    if (backslashEscapes && ch === '\\' && i + 1 < pattern.length)
      source += (pattern[++i] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    else if (ch === '%') source += '[\\s\\S]*'
    else if (ch === '_') source += '[\\s\\S]'
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
  }
  return `^${source}$`
}

/** SQL `text LIKE pattern` (`\` escapes unless `backslashEscapes` is false, as with `escape ''`). */
export function sqlLike(text: string, pattern: string, caseInsensitive = false, backslashEscapes = true): boolean {
  return cachedRegExp(likeSource(pattern, backslashEscapes), caseInsensitive ? 'i' : '')?.test(text) ?? false
}

function comparable(type: string): boolean {
  return !type.startsWith('_') && type !== 'json'
}

function evaluateIn(filter: Filter, type: string, text: string): boolean | null {
  const elements = parseArrayLiteral(filter.value)
  if (elements === null) return null
  const value = readAs(type, text)
  let sawNull = false
  for (const element of elements) {
    const c = element === null ? null : compare(value, readAs(type, element))
    if (c === 0) return true
    if (c === null) sawNull = true
  }
  return sawNull ? null : false
}

/** One filter against one cell: true, false, or null (SQL NULL, which hides the change). */
export function evaluateFilter(filter: Filter, type: string, cell: unknown): boolean | null {
  const text = cellText(cell)
  let result: boolean | null
  switch (filter.op) {
    case 'is': {
      const keyword = filter.value
      const bool = text === null ? null : parseBool(text)
      const is =
        keyword === 'null' || keyword === 'unknown'
          ? text === null
          : keyword === 'true'
            ? bool === true
            : bool === false
      return filter.negate ? !is : is
    }
    case 'isdistinct': {
      if (!comparable(type)) return null
      const value = text === null ? null : readAs(type, text)
      if (text !== null && value === null) return null
      const distinct = value === null || compare(value, readAs(type, filter.value)) !== 0
      return filter.negate ? !distinct : distinct
    }
    case 'in':
      result = text === null || !comparable(type) ? null : evaluateIn(filter, type, text)
      break
    case 'like':
    case 'ilike':
      result = text === null ? null : sqlLike(text, filter.value, filter.op === 'ilike')
      break
    case 'match':
    case 'imatch': {
      const regex = cachedRegExp(filter.value, filter.op === 'imatch' ? 'i' : '')
      result = text === null || regex === null ? null : regex.test(text)
      break
    }
    default: {
      const c = text === null || !comparable(type) ? null : compare(readAs(type, text), readAs(type, filter.value))
      if (c === null) return null
      const op = filter.op
      result =
        op === 'eq'
          ? c === 0
          : op === 'neq'
            ? c !== 0
            : op === 'lt'
              ? c < 0
              : op === 'lte'
                ? c <= 0
                : op === 'gt'
                  ? c > 0
                  : c >= 0
    }
  }
  return result === null ? null : filter.negate ? !result : result
}

function visible(
  filters: readonly Filter[],
  row: PostgresChangesRecord | undefined,
  types: ReadonlyMap<string, string>,
): boolean {
  if (filters.length === 0) return true
  if (row === undefined) return false
  return filters.every(
    (f) => Object.hasOwn(row, f.column) && evaluateFilter(f, types.get(f.column) ?? 'text', row[f.column]) === true,
  )
}

/** An INSERT/UPDATE of a table without primary key: the real server's error event. */
export function lacksPrimaryKey(change: RowChange): boolean {
  return change.type !== 'DELETE' && change.primary_key !== undefined && change.primary_key.length === 0
}

function likeName(pattern: string, name: string): boolean {
  return pattern === '*' || sqlLike(name, pattern, false, false)
}

function coversTable(subscription: Subscription, change: RowChange): boolean {
  if (subscription.tables)
    return subscription.tables.some((t) => t.schema === change.schema && t.table === change.table)
  return likeName(subscription.schema, change.schema) && likeName(subscription.table, change.table)
}

/** Whether `change` is delivered to `subscription` (event, table, filters). */
export function matchChange(subscription: Subscription, change: RowChange): boolean {
  if (subscription.event !== '*' && subscription.event !== change.type) return false
  if (!coversTable(subscription, change)) return false
  if (lacksPrimaryKey(change)) return true
  const types = new Map(change.columns.map((c) => [c.name, c.type]))
  if (visible(subscription.filters, change.record, types)) return true
  return change.type === 'DELETE' && visible(subscription.filters, change.old_record, types)
}
