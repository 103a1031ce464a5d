// Request bodies as Realtime's endpoint parses them before any routing (Plug.Parsers with the JSON
// and octet-stream parsers, `pass: ["*/*"]`): what the controllers see as params, and the 400 for
// a JSON body that does not parse.

export interface MediaType {
  /** Lower-cased, e.g. "application". */
  type: string
  /** Lower-cased, e.g. "json". */
  subtype: string
}

const TOKEN = "[A-Za-z0-9!#$%&'*+.^_`|~-]+"
const MEDIA_TYPE = new RegExp(`^[ \\t]*(${TOKEN})/(${TOKEN})[ \\t]*(?:;.*)?$`, 's')

/** `Plug.Conn.Utils.content_type/1`: type and subtype of a Content-Type header, or null if absent or unparsable. */
export function parseMediaType(header: string | null | undefined): MediaType | null {
  if (header === undefined || header === null) return null
  const match = MEDIA_TYPE.exec(header)
  return match ? { type: match[1]!.toLowerCase(), subtype: match[2]!.toLowerCase() } : null
}

/** Whether Plug's JSON parser takes this media type: `application/json` and `application/*+json`. */
export const isJsonMediaType = (media: MediaType | null): boolean =>
  media !== null && media.type === 'application' && (media.subtype === 'json' || media.subtype.endsWith('+json'))

/**
 * The 400 Realtime answers (before authentication) when a JSON body does not parse: Phoenix renders
 * the error view's status message, as text/html for a browser or curl (Accept `*∕*`).
 */
export const BAD_REQUEST = { ok: false, status: 400, body: 'Bad Request' } as const

export type BodyParams = { ok: true; params: Record<string, unknown> } | typeof BAD_REQUEST

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * The body params of a request: for a JSON media type, the decoded object (`{}` for an empty body,
 * `{ "_json": value }` for any other JSON value), or BAD_REQUEST for invalid JSON or UTF-8; for any
 * other or no Content-Type, `{}` (the dev server does not parse forms).
 */
export function decodeJsonBody(contentType: string | null | undefined, body: Uint8Array): BodyParams {
  if (!isJsonMediaType(parseMediaType(contentType))) return { ok: true, params: {} }
  if (body.length === 0) return { ok: true, params: {} }
  let value: unknown
  try {
    value = JSON.parse(utf8.decode(body))
  } catch {
    return BAD_REQUEST
  }
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value)
  return { ok: true, params: isObject ? (value as Record<string, unknown>) : { _json: value } }
}
