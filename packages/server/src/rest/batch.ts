// POST /api/broadcast (PROTOCOL.md §4.1): the body checked like Realtime.Tenants.BatchBroadcast's
// changeset, with the exact 422 bodies `{"errors":{"messages":[{...field errors...},{}]}}`.
import { isRecord } from '@shared-realtime/protocol'
import { CANT_BE_BLANK, IS_INVALID, castBoolean, castMap, castString, sortedErrors, type Cast } from './ecto.ts'
import { DEFAULT_MAX_PAYLOAD_BYTES, PAYLOAD_TOO_LARGE, erlangExternalSize } from './payload-size.ts'

export interface BroadcastMessage {
  /** Sub-topic, without "realtime:". */
  topic: string
  event: string
  payload: Record<string, unknown>
  private: boolean
  /** Delivered as `meta: { id }` when present. */
  id?: string
}

export type BatchErrors = { errors: { messages: string[] | Array<Record<string, string[]>> } }

export type BatchResult = { ok: true; messages: BroadcastMessage[] } | { ok: false; status: 422; body: BatchErrors }

export interface BatchOptions {
  /** Largest payload, as erlangExternalSize() measures it. Default DEFAULT_MAX_PAYLOAD_BYTES (3 000 500). */
  maxPayloadBytes?: number
}

const reject = (messages: BatchErrors['errors']['messages']): BatchResult => ({
  ok: false,
  status: 422,
  body: { errors: { messages } },
})

/**
 * Checks a batch body (the parsed JSON; anything but an object counts as no params). All or nothing:
 * one invalid message rejects the batch with one error map per message (`{}` for the valid ones).
 * - `messages` absent, `[]` or `{}` → `{"messages":["can't be blank"]}`; null, not a list, or a list
 *   with a non-object → `{"messages":["is invalid"]}`. An object of index keys counts as a list.
 * - topic/event: required strings; payload: a required JSON object; private: boolean-ish, default
 *   false; id: any string (blank = none). Wrong type → "is invalid", missing/null/blank → "can't be blank".
 * - payload over `maxPayloadBytes` → `"Payload size exceeds tenant limit"`.
 */
export function parseBatchBroadcast(body: unknown, options: BatchOptions = {}): BatchResult {
  const params = isRecord(body) ? body : {}
  if (!Object.hasOwn(params, 'messages')) return reject([CANT_BE_BLANK])
  const list = asList(params.messages)
  if (list === null || !list.every(isRecord)) return reject([IS_INVALID])
  if (list.length === 0) return reject([CANT_BE_BLANK])

  const maxPayloadBytes = options.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  const messages: BroadcastMessage[] = []
  const errors = list.map((attrs) => {
    const fieldErrors: Record<string, string[]> = {}
    const required = <T>(field: string, cast: Cast<T>): T | undefined => {
      if (cast.kind === 'value') return cast.value
      fieldErrors[field] = [cast.kind === 'invalid' ? IS_INVALID : CANT_BE_BLANK]
      return undefined
    }
    const id = castString(attrs, 'id')
    if (id.kind === 'invalid') fieldErrors.id = [IS_INVALID]
    const isPrivate = castBoolean(attrs, 'private')
    if (isPrivate.kind === 'invalid') fieldErrors.private = [IS_INVALID]
    const topic = required('topic', castString(attrs, 'topic'))
    const event = required('event', castString(attrs, 'event'))
    const payload = required('payload', castMap(attrs, 'payload'))
    if (payload !== undefined && erlangExternalSize(payload) > maxPayloadBytes)
      fieldErrors.payload = [PAYLOAD_TOO_LARGE]
    if (Object.keys(fieldErrors).length > 0) return sortedErrors(fieldErrors)
    messages.push({
      topic: topic!,
      event: event!,
      payload: payload!,
      private: isPrivate.kind === 'value' && isPrivate.value,
      ...(id.kind === 'value' ? { id: id.value } : {}),
    })
    return {}
  })
  return errors.some((e) => Object.keys(e).length > 0) ? reject(errors) : { ok: true, messages }
}

/**
 * `cast_embed` input as a list: a list as is; an object (Ecto's index-keyed form) as its values
 * ordered by key, integer keys first and numerically; anything else null.
 */
function asList(value: unknown): unknown[] | null {
  if (Array.isArray(value)) return value
  if (!isRecord(value)) return null
  const keyed = Object.entries(value).map(([key, item]) => ({
    key: /^[+-]?\d+$/.test(key) && key.length < 32 ? Number(key) : key,
    item,
  }))
  const ordered = keyed.toSorted((a, b) => {
    if (typeof a.key === 'number' && typeof b.key === 'number') return a.key - b.key
    if (typeof a.key === 'number' || typeof b.key === 'number') return typeof a.key === 'number' ? -1 : 1
    return a.key < b.key ? -1 : a.key > b.key ? 1 : 0
  })
  return ordered.map((entry) => entry.item)
}
