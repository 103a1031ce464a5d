// Elixir's `inspect/1` for the few terms Realtime prints when a token fails in an unexpected way
// (e.g. `[message: "Invalid token", claim: "iat", claim_val: "1"]`, `:signature_error`). Values
// come from decoded JSON, so only nil, booleans, numbers, strings, lists and maps occur.

/** `inspect(value)` for a decoded JSON value. Floats print in Elixir's style (`1.5`, `1.0e21`). */
export function inspectJson(value: unknown): string {
  if (value === null || value === undefined) return 'nil'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') return inspectNumber(value)
  if (typeof value === 'string') return inspectString(value)
  if (Array.isArray(value)) return `[${value.map(inspectJson).join(', ')}]`
  if (typeof value === 'object') {
    const entries = Object.entries(value).toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `%{${entries.map(([k, v]) => `${inspectString(k)} => ${inspectJson(v)}`).join(', ')}}`
  }
  return inspectString(String(value))
}

/** `inspect(keyword_list)`: `[message: 1700000000, claim: "exp", claim_val: "soon"]`. */
export function inspectKeywords(pairs: ReadonlyArray<readonly [string, unknown]>): string {
  return `[${pairs.map(([key, value]) => `${key}: ${inspectJson(value)}`).join(', ')}]`
}

/** `inspect(:atom)`. */
export const inspectAtom = (name: string): string => `:${name}`

function inspectNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n)
  if (!Number.isFinite(n)) return String(n)
  const [mantissa = '', exponent] = String(n).split('e')
  const withPoint = mantissa.includes('.') ? mantissa : `${mantissa}.0`
  return exponent === undefined ? withPoint : `${withPoint}e${exponent.replace('+', '')}`
}

function inspectString(s: string): string {
  return JSON.stringify(s).replaceAll('#{', '\\#{')
}
