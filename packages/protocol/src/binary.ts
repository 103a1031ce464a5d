// Binary frames of vsn 2.0.0 (PROTOCOL.md §1.4, REALTIME-JS.md §2.3). The first byte
// is the kind; then one length byte per string field, then any fixed bytes, then the
// strings (UTF-8), then the data. Every length is one byte, so a field is ≤ 255 bytes.
//
//   kind  direction        header                                                   data
//   0     client → server  0 jr ref topic event                                      payload bytes
//   0     server → client  0 jr topic event                                          payload bytes
//   1     server → client  1 jr ref topic status                                     response bytes
//   2     server → client  2 topic event                                             payload bytes
//   3     client → server  3 jr ref topic user_event meta encoding                    user payload
//   4     server → client  4 topic user_event meta encoding                          user payload
//
// encoding: 0 = raw bytes, 1 = JSON (UTF-8). meta: JSON object text, or empty.
// A null join_ref/ref is written as an empty field and read back as null.

import { bytesOf, type Binary, isBinary, utf8 } from './bytes.ts'
import { type DecodeError, EncodeError, excerpt } from './errors.ts'
import type { BroadcastPayload, Message } from './message.ts'

export const BINARY_KINDS = {
  push: 0,
  reply: 1,
  broadcast: 2,
  userBroadcastPush: 3,
  userBroadcast: 4,
} as const

export const PAYLOAD_ENCODING = { binary: 0, json: 1 } as const

export type BinaryDecodeResult = { ok: true; message: Message } | { ok: false; error: DecodeError }

// ── writing ──────────────────────────────────────────────────────────────────────

function field(name: string, value: string | null): Uint8Array {
  const bytes = utf8(value ?? '')
  if (bytes.byteLength > 255) {
    throw new EncodeError(
      'field-too-long',
      `${name} is ${bytes.byteLength} UTF-8 bytes long; a binary frame holds at most 255 (${excerpt(value ?? '', 40)})`,
      name,
    )
  }
  return bytes
}

function frame(kind: number, fields: Uint8Array[], fixed: number[], data: Uint8Array): ArrayBuffer {
  const headerLength = 1 + fields.length + fixed.length
  const fieldsLength = fields.reduce((sum, f) => sum + f.byteLength, 0)
  const out = new Uint8Array(headerLength + fieldsLength + data.byteLength)
  out[0] = kind
  fields.forEach((f, i) => (out[1 + i] = f.byteLength))
  fixed.forEach((b, i) => (out[1 + fields.length + i] = b))
  let offset = headerLength
  for (const f of fields) {
    out.set(f, offset)
    offset += f.byteLength
  }
  out.set(data, offset)
  return out.buffer
}

/**
 * The user payload of a broadcast as [encoding, bytes]: binary as is, anything else as
 * JSON. A missing payload is sent as {}; so is null from a client (as realtime-js does),
 * while a server relays null as null.
 */
function userPayloadBytes(payload: unknown, nullAs: 'empty-object' | 'null'): [number, Uint8Array] {
  if (isBinary(payload)) return [PAYLOAD_ENCODING.binary, bytesOf(payload)]
  const value = payload === undefined || (payload === null && nullAs === 'empty-object') ? {} : payload
  return [PAYLOAD_ENCODING.json, utf8(JSON.stringify(value))]
}

function metadataText(meta: Record<string, unknown> | undefined): string {
  return meta && Object.keys(meta).length > 0 ? JSON.stringify(meta) : ''
}

/** Kind 0, client → server: a push whose whole payload is bytes. */
export function encodeClientPush(message: Message<Binary>): ArrayBuffer {
  const fields = [
    field('join_ref', message.join_ref),
    field('ref', message.ref),
    field('topic', message.topic),
    field('event', message.event),
  ]
  return frame(BINARY_KINDS.push, fields, [], bytesOf(message.payload))
}

/** Kind 3, client → server: a user broadcast; `metadata` is what the allow-list picked from the payload. */
export function encodeUserBroadcastPush(
  message: Message<BroadcastPayload>,
  metadata: Record<string, unknown> | undefined,
): ArrayBuffer {
  const [encoding, data] = userPayloadBytes(message.payload.payload, 'empty-object')
  const fields = [
    field('join_ref', message.join_ref),
    field('ref', message.ref),
    field('topic', message.topic),
    field('payload.event', message.payload.event),
    field('metadata', metadataText(metadata)),
  ]
  return frame(BINARY_KINDS.userBroadcastPush, fields, [encoding], data)
}

/** Kind 0 (server → client push, which has no ref) or kind 2 (broadcast: no join_ref, no ref). */
export function encodeServerPush(message: Message<Binary>): ArrayBuffer {
  const data = bytesOf(message.payload)
  if (message.join_ref === null && message.ref === null) {
    return frame(BINARY_KINDS.broadcast, [field('topic', message.topic), field('event', message.event)], [], data)
  }
  const fields = [field('join_ref', message.join_ref), field('topic', message.topic), field('event', message.event)]
  return frame(BINARY_KINDS.push, fields, [], data)
}

/** Kind 1, server → client: a reply whose response is bytes. */
export function encodeBinaryReply(message: Message, status: string, response: Binary): ArrayBuffer {
  const fields = [
    field('join_ref', message.join_ref),
    field('ref', message.ref),
    field('topic', message.topic),
    field('status', status),
  ]
  return frame(BINARY_KINDS.reply, fields, [], bytesOf(response))
}

/** Kind 4, server → client: a user broadcast, with `meta` as its metadata. */
export function encodeUserBroadcast(message: Message<BroadcastPayload>): ArrayBuffer {
  const [encoding, data] = userPayloadBytes(message.payload.payload, 'null')
  const fields = [
    field('topic', message.topic),
    field('payload.event', message.payload.event),
    field('metadata', metadataText(message.payload.meta)),
  ]
  return frame(BINARY_KINDS.userBroadcast, fields, [encoding], data)
}
