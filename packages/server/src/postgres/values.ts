// Comparing a column value with a filter value the way Postgres does after the real server's
// casts (supabase/realtime `realtime.check_equality_op`: `select <value>::<type> <op>
// (<filter>::<type>)`, the column value being the text of its JSON value). Typed by
// pg_type.typname: integer and float types and numeric compare as numbers, bool as booleans
// (Postgres' input spellings), date/timestamp/timestamptz/time as instants (a zone-less
// timestamptz is read as UTC, Supabase's TimeZone), uuid case-insensitively, bpchar without
// trailing blanks, citext case-insensitively, jsonb by value. Everything else, enums included,
// compares as text in code-point order (Postgres uses the database collation and enum order).
// Results are SQL three-valued: `null` when either side is NULL or a value does not read as the type.

export type Comparison = -1 | 0 | 1
type Value = { kind: 'number'; n: number } | { kind: 'text'; s: string } | { kind: 'json'; v: unknown }

const NUMERIC = new Set(['int2', 'int4', 'int8', 'float4', 'float8', 'numeric', 'oid'])
/** Postgres `boolin`: t/true, y/yes, on, 1, f/false, n/no, off, 0 and unique prefixes, any case. */
export function parseBool(text: string): boolean | null {
  const t = text.trim().toLowerCase()
  const prefixOf = (word: string) => t !== '' && word.startsWith(t)
  switch (t[0]) {
    case 't':
      return prefixOf('true') ? true : null
    case 'y':
      return prefixOf('yes') ? true : null
    case 'f':
      return prefixOf('false') ? false : null
    case 'n':
      return prefixOf('no') ? false : null
    case 'o':
      return t.length < 2 ? null : prefixOf('on') ? true : prefixOf('off') ? false : null
    case '1':
      return t === '1' ? true : null
    case '0':
      return t === '0' ? false : null
    default:
      return null
  }
}

const DATE_TIME =
  /^(\d{4,})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i
const TIME = /^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?\s*(Z|[+-]\d{1,2}(?::?\d{2})?)?$/i

function zoneMinutes(zone: string | undefined): number {
  if (!zone || zone.toUpperCase() === 'Z') return 0
  const sign = zone.startsWith('-') ? -1 : 1
  const digits = zone.slice(1).replace(':', '')
  const hours = Number(digits.length > 2 ? digits.slice(0, -2) : digits)
  const minutes = digits.length > 2 ? Number(digits.slice(-2)) : 0
  return sign * (hours * 60 + minutes)
}

function micros(fraction: string | undefined): number {
  return Number((fraction ?? '').padEnd(6, '0'))
}

/** Microseconds since the epoch; `withZone` false ignores any zone (timestamp without time zone). */
function instant(text: string, withZone: boolean): number | null {
  const t = text.trim().toLowerCase()
  if (t === 'infinity' || t === '+infinity') return Infinity
  if (t === '-infinity') return -Infinity
  const m = DATE_TIME.exec(t)
  if (!m) return null
  const [, y, mo, d, h, mi, s, frac, zone] = m
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0))
  const offset = withZone ? zoneMinutes(zone) : 0
  return (ms - offset * 60_000) * 1000 + micros(frac)
}

function timeOfDay(text: string, withZone: boolean): number | null {
  const m = TIME.exec(text.trim())
  if (!m) return null
  const [, h, mi, s, frac, zone] = m
  const seconds = Number(h) * 3600 + Number(mi) * 60 + Number(s ?? 0) - (withZone ? zoneMinutes(zone) * 60 : 0)
  return seconds * 1_000_000 + micros(frac)
}

function num(n: number | null): Value | null {
  return n === null || Number.isNaN(n) ? null : { kind: 'number', n }
}

/** Reads `text` as a value of `type`, or null when it does not read (Postgres would raise). */
export function readAs(type: string, text: string): Value | null {
  if (NUMERIC.has(type)) {
    const t = text.trim()
    if (/^nan$/i.test(t)) return { kind: 'number', n: Number.POSITIVE_INFINITY }
    return t === '' ? null : num(Number(t))
  }
  switch (type) {
    case 'bool': {
      const b = parseBool(text)
      return b === null ? null : { kind: 'number', n: b ? 1 : 0 }
    }
    case 'date':
      return num(instant(text.replace(/[T ].*$/, ''), false))
    case 'timestamp':
      return num(instant(text, false))
    case 'timestamptz':
      return num(instant(text, true))
    case 'time':
      return num(timeOfDay(text, false))
    case 'timetz':
      return num(timeOfDay(text, true))
    case 'uuid': {
      const hex = text.trim().toLowerCase().replace(/[{}-]/g, '')
      return /^[0-9a-f]{32}$/.test(hex) ? { kind: 'text', s: hex } : null
    }
    case 'bpchar':
      return { kind: 'text', s: text.replace(/ +$/, '') }
    case 'citext':
      return { kind: 'text', s: text.toLowerCase() }
    case 'jsonb':
      try {
        return { kind: 'json', v: JSON.parse(text) }
      } catch {
        return null
      }
    default:
      return { kind: 'text', s: text }
  }
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return a === b
  if (Array.isArray(a) !== Array.isArray(b)) return false
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  return ka.every(
    (k) => Object.hasOwn(b, k) && jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
  )
}

/** `a` compared with `b` (both already read as the same type); null when they do not order (jsonb, NULL). */
export function compare(a: Value | null, b: Value | null): Comparison | null {
  if (a === null || b === null) return null
  if (a.kind === 'number' && b.kind === 'number') return a.n < b.n ? -1 : a.n > b.n ? 1 : 0
  if (a.kind === 'text' && b.kind === 'text') {
    const x = Array.from(a.s, (c) => c.codePointAt(0) ?? 0)
    const y = Array.from(b.s, (c) => c.codePointAt(0) ?? 0)
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0)
      if (d !== 0) return d < 0 ? -1 : 1
    }
    return x.length < y.length ? -1 : x.length > y.length ? 1 : 0
  }
  if (a.kind === 'json' && b.kind === 'json') return jsonEqual(a.v, b.v) ? 0 : null
  return null
}

/** The text Postgres casts: a JSON value's `#>> '{}'` (strings unquoted, null → SQL NULL). */
export function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** Elements of a Postgres array literal `{a,"b,c",NULL}` (one dimension); null if malformed. */
export function parseArrayLiteral(literal: string): Array<string | null> | null {
  const t = literal.trim()
  if (!t.startsWith('{') || !t.endsWith('}')) return null
  const body = t.slice(1, -1)
  if (body.trim() === '') return []
  const out: Array<string | null> = []
  let i = 0
  while (i <= body.length) {
    while (body[i] === ' ') i++
    let element = ''
    let quoted = false
    if (body[i] === '"') {
      quoted = true
      for (i++; i < body.length && body[i] !== '"'; i++) element += body[i] === '\\' ? (body[++i] ?? '') : body[i]
      if (body[i] !== '"') return null
      i++
      while (body[i] === ' ') i++
    } else {
      for (; i < body.length && body[i] !== ','; i++) element += body[i] === '\\' ? (body[++i] ?? '') : body[i]
      element = element.trim()
      if (element === '' || /[{}"]/.test(element)) return null
    }
    out.push(!quoted && element.toUpperCase() === 'NULL' ? null : element)
    if (i >= body.length) break
    if (body[i] !== ',') return null
    i++
  }
  return out
}
