// POST /api/broadcast/:topic/events/:event?private=true|false (PROTOCOL.md §4.2): Realtime's
// BroadcastSingleController with Plug.Parsers, ValidateBroadcastContentType and SingleBroadcast's
// changeset. A JSON body is the payload; an octet-stream body is delivered as a binary (kind-4) broadcast.
import { decodeJsonBody, isJsonMediaType, parseMediaType, type BAD_REQUEST } from './body.ts'
import { CANT_BE_BLANK, isBlankString, sortedErrors } from './ecto.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES, PAYLOAD_TOO_LARGE, erlangExternalSize } from './payload-size.ts'

export interface SingleBroadcastRequest {
  /** Path segment, already percent-decoded; the sub-topic without "realtime:". */
  topic: string
  /** Path segment, already percent-decoded. */
  event: string
  /** The Content-Type header, if any. */
  contentType?: string | null
  body: Uint8Array
  /** The query string; `private=true` makes the broadcast private. */
  query?: URLSearchParams
  /** See BatchOptions.maxPayloadBytes. */
  maxPayloadBytes?: number
}

interface Accepted {
  ok: true
  topic: string
  event: string
  private: boolean
}

export type SingleBroadcastResult =
  | (Accepted & { encoding: 'json'; payload: unknown })
  | (Accepted & { encoding: 'binary'; bytes: Uint8Array })
  | typeof BAD_REQUEST
  | { ok: false; status: 415; body: { error: string } }
  | { ok: false; status: 422; body: { errors: Record<string, string[]> } }

export const UNSUPPORTED_MEDIA_TYPE = {
  ok: false,
  status: 415,
  body: { error: 'Unsupported Media Type. Use application/json or application/octet-stream' },
} as const

/**
 * Checks a single broadcast. Realtime answers 400 (unparsable JSON) and 415 (a Content-Type other
 * than application/json or application/octet-stream, parameters allowed; none at all is accepted)
 * BEFORE authenticating, and 422 after: so answer a 400/415 result at once, then authorizeRest(),
 * then a 422. Without Content-Type the body is ignored and the payload is `{}`; a JSON body that is
 * not an object becomes `{ "_json": value }`. `private` comes from the query (`"true"` only), unless
 * a JSON object body has its own `private` key (`true`/`"true"`), which takes precedence as in Phoenix's
 * merged params. 422 bodies: `{"errors":{"event":["can't be blank"],"payload":["Payload size exceeds
 * tenant limit"],"topic":[…]}}` (blank = empty after trimming leading whitespace).
 */
export function parseSingleBroadcast(request: SingleBroadcastRequest): SingleBroadcastResult {
  const media = parseMediaType(request.contentType)
  const params = decodeJsonBody(request.contentType, request.body)
  if (!params.ok) return params
  const hasContentType = request.contentType !== undefined && request.contentType !== null
  const binary = media !== null && media.type === 'application' && media.subtype === 'octet-stream'
  if (hasContentType && !binary && !(isJsonMediaType(media) && media!.subtype === 'json')) return UNSUPPORTED_MEDIA_TYPE

  const body = params.params
  const privateParam = Object.hasOwn(body, 'private') ? body.private : lastQueryValue(request.query, 'private')
  const isPrivate = privateParam === true || privateParam === 'true'

  const errors: Record<string, string[]> = {}
  if (isBlankString(request.topic)) errors.topic = [CANT_BE_BLANK]
  if (isBlankString(request.event)) errors.event = [CANT_BE_BLANK]
  const size = binary ? erlangExternalSize(request.body) : erlangExternalSize(body)
  if (size > (request.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES)) errors.payload = [PAYLOAD_TOO_LARGE]
  if (Object.keys(errors).length > 0) return { ok: false, status: 422, body: { errors: sortedErrors(errors) } }

  const accepted: Accepted = { ok: true, topic: request.topic, event: request.event, private: isPrivate }
  return binary
    ? { ...accepted, encoding: 'binary', bytes: request.body }
    : { ...accepted, encoding: 'json', payload: body }
}

/** Plug keeps the last of repeated query keys. */
function lastQueryValue(query: URLSearchParams | undefined, key: string): string | undefined {
  return query?.getAll(key).at(-1)
}
