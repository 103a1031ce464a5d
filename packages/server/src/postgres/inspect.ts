// Elixir's `inspect/2` for JSON-decoded terms, so error messages that quote a client's input
// read exactly as the real server's (supabase/realtime `subscriptions.ex` uses `inspect(params)`
// and `inspect(filters, pretty: true)` via `Realtime.Logs.to_log/1`). Covered: strings (with
// Elixir's escapes, non-printable ones as `<<…>>`), integers, floats (approximately: shortest
// digits, `1.0e-7` style), nil/true/false, lists (charlists of printable codes as `~c"…"`, at
// most 50 items), maps (keys in term order), 4-tuples for stored filters, and `pretty: true`
// breaking a list of tuples one per line when it exceeds 80 columns. Not covered: printable_limit
// (4096 bytes) and flex-breaking of long lists of scalars.

/** A term: JSON values plus tuples (used for the real server's filter tuples). */
export type Term = null | boolean | number | string | Term[] | { [key: string]: Term } | Tuple
export type Tuple = { tuple: Term[] }

const ESCAPES: Record<number, string> = {
  7: '\\a',
  8: '\\b',
  9: '\\t',
  10: '\\n',
  11: '\\v',
  12: '\\f',
  13: '\\r',
  27: '\\e',
  127: '\\d',
}
const LIMIT = 50

function isPrintableCode(code: number): boolean {
  return (
    (code >= 0x20 && code <= 0x7e) ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff) ||
    code in ESCAPES
  )
}

export function inspectString(text: string): string {
  const codes = Array.from(text, (ch) => ch.codePointAt(0) ?? 0)
  if (!codes.every(isPrintableCode)) return `<<${Array.from(new TextEncoder().encode(text)).join(', ')}>>`
  let out = '"'
  for (let i = 0; i < codes.length; i++) {
    const code = codes[i] ?? 0
    if (code === 0x22) out += '\\"'
    else if (code === 0x5c) out += '\\\\'
    else if (code === 0x23 && codes[i + 1] === 0x7b) out += '\\#'
    else out += ESCAPES[code] ?? String.fromCodePoint(code)
  }
  return `${out}"`
}

function inspectNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 2 ** 63) return BigInt(value).toString()
  const [mantissa = '', exponent] = value.toExponential().split('e')
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`
  const exp = Number(exponent)
  if (exp < -4 || exp >= 16) return `${digits}e${exp}`
  return String(value).includes('.') ? String(value) : `${value}.0`
}

function isAsciiCharlist(list: readonly Term[]): boolean {
  return (
    list.length > 0 &&
    list.every((t) => typeof t === 'number' && Number.isInteger(t) && ((t >= 32 && t <= 126) || t in ESCAPES))
  )
}

function isTuple(term: Term): term is Tuple {
  return (
    typeof term === 'object' &&
    term !== null &&
    !Array.isArray(term) &&
    Array.isArray((term as Tuple).tuple) &&
    Object.keys(term).length === 1
  )
}

function compareBytes(a: string, b: string): number {
  const x = new TextEncoder().encode(a)
  const y = new TextEncoder().encode(b)
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0)
    if (d !== 0) return d
  }
  return x.length - y.length
}

function items(list: readonly string[], total: number): string[] {
  return total > LIMIT ? [...list.slice(0, LIMIT), '...'] : [...list]
}

/** `inspect(term)` (flat, as with `pretty: false`). */
export function inspect(term: Term): string {
  if (term === null) return 'nil'
  if (typeof term === 'boolean') return String(term)
  if (typeof term === 'number') return inspectNumber(term)
  if (typeof term === 'string') return inspectString(term)
  if (Array.isArray(term)) {
    if (isAsciiCharlist(term)) return `~c${inspectString(String.fromCharCode(...(term as number[])))}`
    return `[${items(term.slice(0, LIMIT + 1).map(inspect), term.length).join(', ')}]`
  }
  if (isTuple(term)) return `{${term.tuple.map(inspect).join(', ')}}`
  const keys = Object.keys(term).toSorted(compareBytes)
  const pairs = keys.slice(0, LIMIT + 1).map((key) => `${inspectString(key)} => ${inspect(term[key] ?? null)}`)
  return `%{${items(pairs, keys.length).join(', ')}}`
}

/**
 * `inspect(term, pretty: true)` for the terms the real server logs that way (lists of filter
 * tuples, lists of column names): flat when it fits 80 columns; a list of containers that does
 * not fit is printed one element per line, indented by two, as Inspect.Algebra's container_doc does.
 */
export function inspectPretty(term: Term): string {
  const flat = inspect(term)
  if (flat.length <= 80 || !Array.isArray(term) || isAsciiCharlist(term)) return flat
  const containers = term.some((t) => typeof t === 'object' && t !== null)
  if (!containers) return flat
  const parts = items(term.slice(0, LIMIT + 1).map(inspect), term.length)
  return `[\n${parts.map((p) => `  ${p}`).join(',\n')}\n]`
}
