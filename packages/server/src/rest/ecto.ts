// The few Ecto casting rules the broadcast endpoints rely on (Ecto 3.13, Realtime's lock): `cast/4`
// with the default empty values (a string that is empty after trimming leading whitespace counts as
// missing), `validate_required/2`, and error maps as `traverse_errors/2` + Jason print them.

export const CANT_BE_BLANK = "can't be blank"
export const IS_INVALID = 'is invalid'

/** The outcome of casting one field: a value, nothing (absent, null or blank), or a type error. */
export type Cast<T> = { kind: 'value'; value: T } | { kind: 'missing' } | { kind: 'invalid' }

const missing = { kind: 'missing' } as const
const invalid = { kind: 'invalid' } as const
const value = <T>(v: T): Cast<T> => ({ kind: 'value', value: v })

/** `Ecto.Type.empty_trimmed?/2`: a string blank after trimming leading whitespace is empty. */
export const isBlankString = (v: unknown): boolean => typeof v === 'string' && v.trimStart() === ''

/** Field `key` of `params` as an Ecto `:string` (also `:binary_id`, which casts any binary). */
export function castString(params: Readonly<Record<string, unknown>>, key: string): Cast<string> {
  const v = params[key]
  if (!Object.hasOwn(params, key) || v === null || isBlankString(v)) return missing
  return typeof v === 'string' ? value(v) : invalid
}

/** Field `key` as an Ecto `:map` (a JSON object). */
export function castMap(params: Readonly<Record<string, unknown>>, key: string): Cast<Record<string, unknown>> {
  const v = params[key]
  if (!Object.hasOwn(params, key) || v === null || isBlankString(v)) return missing
  return typeof v === 'object' && !Array.isArray(v) ? value(v as Record<string, unknown>) : invalid
}

/** Field `key` as an Ecto `:boolean`: true/false, "true"/"false", "1"/"0". */
export function castBoolean(params: Readonly<Record<string, unknown>>, key: string): Cast<boolean> {
  const v = params[key]
  if (!Object.hasOwn(params, key) || v === null || isBlankString(v)) return missing
  if (v === true || v === 'true' || v === '1') return value(true)
  if (v === false || v === 'false' || v === '0') return value(false)
  return invalid
}

/** An error map with keys in the order Jason writes an Elixir map's atom keys (sorted). */
export function sortedErrors(errors: Readonly<Record<string, string[]>>): Record<string, string[]> {
  const sorted: Record<string, string[]> = {}
  for (const key of Object.keys(errors).toSorted()) sorted[key] = errors[key]!
  return sorted
}
