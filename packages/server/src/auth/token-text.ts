// The text handling Realtime applies to a token before any cryptography: URL-decoding and
// whitespace stripping (ChannelsAuthorization.clean_token/1), and the strict base64url + JSON
// reading of a segment that Joken.peek_claims/peek_header do.

/**
 * `URI.decode` then removal of all whitespace (`~r/\s|\n/` without the unicode flag: space, \t, \n,
 * \v, \f, \r). `null` when a `%` is not followed by two hex digits (Elixir raises "malformed URI").
 * `+` stays a `+`, as in `URI.decode`. Decoded bytes become one character each.
 */
export function cleanToken(token: string): string | null {
  let out = ''
  for (let i = 0; i < token.length; i++) {
    const char = token[i]!
    if (char !== '%') {
      out += char
      continue
    }
    const hex = token.slice(i + 1, i + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return null
    out += String.fromCharCode(Number.parseInt(hex, 16))
    i += 2
  }
  return out.replace(/[\t\n\v\f\r ]/g, '')
}

/** Bytes of an unpadded base64url segment (`Base.url_decode64(s, padding: false)`), or null. */
export function decodeBase64Url(segment: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*$/.test(segment) || segment.length % 4 === 1) return null
  return new Uint8Array(Buffer.from(segment, 'base64url'))
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

export type SegmentJson = { kind: 'not-base64' } | { kind: 'not-json' } | { kind: 'json'; value: unknown }

/** A token segment read as base64url-encoded UTF-8 JSON, as Jason would decode it. */
export function readSegment(segment: string): SegmentJson {
  const bytes = decodeBase64Url(segment)
  if (bytes === null) return { kind: 'not-base64' }
  try {
    return { kind: 'json', value: JSON.parse(utf8.decode(bytes)) as unknown }
  } catch {
    return { kind: 'not-json' }
  }
}

export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
