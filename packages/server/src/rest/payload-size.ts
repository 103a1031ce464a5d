// Payload size as Realtime measures it: `:erlang.external_size/1` of the decoded JSON term
// (Realtime.Tenants.validate_payload_size/2), against `max_payload_size_in_kb * 1000 + 500`.

/** `"Payload size exceeds tenant limit"`: the 422 field error for an oversized payload. */
export const PAYLOAD_TOO_LARGE = 'Payload size exceeds tenant limit'

/** The byte limit for a tenant's `max_payload_size_in_kb` (Realtime pads it by 500 bytes). */
export const payloadLimitBytes = (maxPayloadSizeInKb: number): number => maxPayloadSizeInKb * 1000 + 500

/** Realtime's default limit: 3000 KB → 3 000 500 bytes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = payloadLimitBytes(3000)

const utf8 = new TextEncoder()

/**
 * The Erlang external term format size of a JSON value as Jason decodes it (object → map,
 * array → list, string → binary, null/true/false → atom, integer → integer, other number → float),
 * including the version byte. Raw bytes count as a binary. A JSON number written with a fraction
 * or exponent but integral in value (`1.0`, `1e3`) counts as an integer here; Jason makes it a float.
 */
export function erlangExternalSize(value: unknown): number {
  return 1 + termSize(value)
}

function termSize(value: unknown): number {
  if (value instanceof Uint8Array) return 5 + value.length
  switch (typeof value) {
    case 'string':
      return 5 + utf8.encode(value).length // BINARY_EXT
    case 'number':
      return numberSize(value)
    case 'boolean':
      return value ? 6 : 7 // SMALL_ATOM_UTF8_EXT "true" / "false"
    case 'object': {
      if (value === null) return 5 // "nil"
      if (Array.isArray(value)) return listSize(value)
      let size = 5 // MAP_EXT: tag + arity
      for (const [key, item] of Object.entries(value)) size += 5 + utf8.encode(key).length + termSize(item)
      return size
    }
    default:
      return 5 // undefined and the like never come out of JSON; count them as nil
  }
}

function numberSize(n: number): number {
  if (!Number.isInteger(n)) return 9 // NEW_FLOAT_EXT
  if (n >= 0 && n <= 255) return 2 // SMALL_INTEGER_EXT
  if (n >= -(2 ** 31) && n < 2 ** 31) return 5 // INTEGER_EXT
  const digits = BigInt(Math.abs(n)).toString(16).length
  const bytes = Math.ceil(digits / 2)
  return bytes < 256 ? 3 + bytes : 6 + bytes // SMALL_BIG_EXT / LARGE_BIG_EXT
}

function listSize(list: readonly unknown[]): number {
  if (list.length === 0) return 1 // NIL_EXT
  const bytesOnly =
    list.length < 65_536 &&
    list.every((item) => Number.isInteger(item) && (item as number) >= 0 && (item as number) <= 255)
  if (bytesOnly) return 3 + list.length // STRING_EXT
  let size = 5 + 1 // LIST_EXT header + NIL_EXT tail
  for (const item of list) size += termSize(item)
  return size
}
