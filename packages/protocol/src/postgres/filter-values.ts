// Serialisation and input checks behind RealtimePostgresFilterBuilder (./filter.ts).
// The output rules are those of @supabase/realtime-js 2.119.1
// `src/RealtimePostgresFilterBuilder.ts`: PostgREST-style quoting of a value that holds
// `, ( ) " \` or surrounding whitespace, `null` spelled `null`, `in` lists de-duplicated
// with a Set. The checks are ours: they throw a TypeError only for input realtime-js would
// turn into a filter the server cannot parse or reads differently from what was asked.

/** The operators a postgres_changes `filter` accepts (realtime-js 2.119.1, server `subscriptions.ex`). */
export const POSTGRES_CHANGES_FILTER_OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'like',
  'ilike',
  'is',
  'match',
  'imatch',
  'isdistinct',
] as const

/** Comparison operator of one `column=operator.value` condition; any can be negated with `not`. */
export type RealtimePostgresChangesFilterOperator = (typeof POSTGRES_CHANGES_FILTER_OPERATORS)[number]

/** Scalar value accepted by a single-value operator. */
export type RealtimeFilterValue = string | number | boolean | null

/** Value accepted by the `is` operator. */
export type RealtimeIsFilterValue = null | boolean | 'null' | 'true' | 'false' | 'unknown'

/** Element accepted in an `in` list (`null` is refused: `IN (NULL)` never matches; use `is`). */
export type RealtimeInFilterValue = string | number | boolean

const RESERVED = /[,()"\\]/
const IS_KEYWORDS: readonly unknown[] = [null, true, false, 'null', 'true', 'false', 'unknown']

export function isFilterOperator(value: unknown): value is RealtimePostgresChangesFilterOperator {
  return (POSTGRES_CHANGES_FILTER_OPERATORS as readonly unknown[]).includes(value)
}

/** `abc` stays as is; `a,b` becomes `"a,b"`; `"` and `\` inside quotes are backslash-escaped. */
export function quoteValue(text: string): string {
  if (!RESERVED.test(text) && text === text.trim()) return text
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'symbol') return 'a symbol'
  return String(value)
}

// `where` names the call, e.g. `eq("id")` or `not("status", 'in')`.
function fail(where: string, problem: string, value: unknown): never {
  throw new TypeError(`RealtimePostgresFilterBuilder.${where}: ${problem}, got ${describe(value)}`)
}

/**
 * A column must be a non-empty string without `=`, `,`, `(` or `)`: the server splits a
 * condition at its first `=` and the filter at top-level commas, counting parentheses.
 */
export function checkColumn(method: string, column: unknown): string {
  if (typeof column !== 'string' || column.trim() === '' || /[=,()]/.test(column)) {
    fail(method, 'column must be a non-empty string without "=", ",", "(" or ")"', column)
  }
  return column
}

function isScalar(value: unknown): boolean {
  const type = typeof value
  return value === null || type === 'string' || type === 'number' || type === 'boolean' || type === 'bigint'
}

function serializeScalar(where: string, value: unknown): string {
  if (!isScalar(value)) fail(where, 'value must be a string, number, boolean or null', value)
  return quoteValue(String(value))
}

// The server rewrites `in.(a,b)` into the PostgreSQL array literal `{a,b}`, where an empty
// element, a brace or the bare word NULL means something else than the string asked for.
function serializeInElement(where: string, value: unknown): string {
  if (value === null || !isScalar(value)) {
    fail(where, 'in() elements must be strings, numbers or booleans (use is() for null)', value)
  }
  if (typeof value === 'string' && (value === '' || /^null$/i.test(value) || /[{}]/.test(value))) {
    fail(where, 'in() cannot express an empty string, "null" or a brace in an element', value)
  }
  return quoteValue(String(value))
}

/** The `operator.value` part of a condition (everything after `column=`), checked. */
export function serializeOperand(
  where: string,
  operator: RealtimePostgresChangesFilterOperator,
  value: unknown,
): string {
  if (operator === 'in') {
    const values: readonly unknown[] = Array.isArray(value) ? value : [value]
    if (values.length === 0) fail(where, 'in() requires at least one value', value)
    const items = Array.from(new Set(values), (item) => serializeInElement(where, item))
    return `in.(${items.join(',')})`
  }
  if (operator === 'is') {
    if (!IS_KEYWORDS.includes(value)) {
      fail(where, 'is() takes null, true, false, "null", "true", "false" or "unknown"', value)
    }
    return `is.${String(value)}`
  }
  return `${operator}.${serializeScalar(where, value)}`
}
