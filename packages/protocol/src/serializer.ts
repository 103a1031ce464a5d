// createSerializer(vsn, options): one object that turns messages into frames and
// frames into messages, for either end of the socket.
//
// role 'client' (the default) encodes what a client sends and decodes what a server
// sends; role 'server' (the dev server) does the reverse. Encoding follows realtime-js
// byte for byte on the client side: with vsn 2.0.0 every `broadcast` push whose payload
// has a string `event` goes out as a kind-3 binary frame (JSON-encoded unless the user
// payload is binary); pass `{ binary: false }` to send it as a text frame instead.
// Better than realtime-js: typed arrays (not only ArrayBuffer) are sent as binary,
// string lengths are counted in UTF-8 bytes, and a field over 255 bytes is an
// EncodeError instead of a corrupt frame.

import { type Binary, bytesOf, isBinary } from './bytes.ts'
import {
  encodeBinaryReply,
  encodeClientPush,
  encodeServerPush,
  encodeUserBroadcast,
  encodeUserBroadcastPush,
} from './binary.ts'
import { decodeBinary } from './binary-decode.ts'
import { type DecodeError, EncodeError } from './errors.ts'
import { type BroadcastPayload, isVsn, type Message, PHX_EVENTS, REALTIME_EVENTS, type Vsn } from './message.ts'
import { decodeText, encodeText } from './text.ts'

export type Role = 'client' | 'server'
export type Frame = string | ArrayBuffer

export type DecodeResult =
  | { ok: true; message: Message; /** whether it arrived as a binary frame */ binary: boolean }
  | { ok: false; error: DecodeError }

export interface EncodeOptions {
  /**
   * Whether a broadcast goes out as a binary user-broadcast frame (kind 3 from a
   * client, kind 4 from a server) where the version allows it. Defaults: client true
   * (as realtime-js), server false unless the user payload is binary. vsn 1.0.0
   * ignores it: it is text only.
   */
  binary?: boolean
}

export interface SerializerOptions {
  role?: Role
  /**
   * Keys copied from a broadcast push's payload into the kind-3 metadata
   * (realtime-js's allow-list). Default `['persist']`.
   */
  allowedMetadataKeys?: readonly string[]
}

export interface Serializer {
  readonly vsn: Vsn
  readonly role: Role
  /** @throws {EncodeError} when the message cannot be carried (binary on vsn 1.0.0, a field over 255 bytes) */
  encode(message: Message, options?: EncodeOptions): Frame
  /** Never throws. Node Buffers and other ArrayBufferViews are accepted as binary. */
  decode(data: unknown): DecodeResult
}

const DEFAULT_METADATA_KEYS = ['persist'] as const

function isBroadcastPush(message: Message): message is Message<BroadcastPayload> {
  const p = message.payload
  return (
    message.event === REALTIME_EVENTS.broadcast &&
    typeof p === 'object' &&
    p !== null &&
    !isBinary(p) &&
    typeof (p as { event?: unknown }).event === 'string'
  )
}

function pick(source: object, keys: readonly string[]): Record<string, unknown> | undefined {
  const picked = Object.fromEntries(Object.entries(source).filter(([key]) => keys.includes(key)))
  return Object.keys(picked).length > 0 ? picked : undefined
}

function binaryReplyResponse(message: Message): Binary | undefined {
  if (message.event !== PHX_EVENTS.reply) return undefined
  const p = message.payload as { status?: unknown; response?: unknown } | null
  return p && typeof p === 'object' && typeof p.status === 'string' && isBinary(p.response) ? p.response : undefined
}

function assertMessage(message: Message): void {
  if (typeof message !== 'object' || message === null)
    throw new EncodeError('invalid-message', 'a message must be an object')
  for (const key of ['topic', 'event'] as const) {
    if (typeof message[key] !== 'string')
      throw new EncodeError('invalid-message', `message.${key} must be a string`, key)
  }
  for (const key of ['join_ref', 'ref'] as const) {
    const v = message[key]
    if (v !== null && typeof v !== 'string')
      throw new EncodeError('invalid-message', `message.${key} must be a string or null`, key)
  }
}

function textOnly(message: Message, vsn: Vsn): void {
  const userPayload = isBroadcastPush(message) ? message.payload.payload : undefined
  if (isBinary(message.payload) || isBinary(userPayload) || binaryReplyResponse(message)) {
    throw new EncodeError(
      'binary-unsupported',
      vsn === '1.0.0'
        ? `cannot send binary data on "${message.topic}" with vsn 1.0.0, which is JSON text only; use vsn 2.0.0`
        : `cannot send binary data on "${message.topic}" as a text frame; leave the binary option on`,
      'payload',
    )
  }
}

export function createSerializer(vsn: Vsn, options: SerializerOptions = {}): Serializer {
  if (!isVsn(vsn)) {
    throw new TypeError(`Unsupported serializer version: ${String(vsn)} (expected '1.0.0' or '2.0.0')`)
  }
  const role = options.role ?? 'client'
  if (role !== 'client' && role !== 'server') {
    throw new TypeError(`createSerializer: role must be 'client' or 'server', got ${String(role)}`)
  }
  const metadataKeys = options.allowedMetadataKeys ?? DEFAULT_METADATA_KEYS

  function encodeV2(message: Message, binary: boolean | undefined): Frame {
    if (isBroadcastPush(message)) {
      const wantsBinary = binary ?? (role === 'client' || isBinary(message.payload.payload))
      if (wantsBinary) {
        return role === 'client'
          ? encodeUserBroadcastPush(message, pick(message.payload, metadataKeys))
          : encodeUserBroadcast(message)
      }
    }
    if (isBinary(message.payload)) {
      const m = message as Message<Binary>
      return role === 'client' ? encodeClientPush(m) : encodeServerPush(m)
    }
    const response = role === 'server' ? binaryReplyResponse(message) : undefined
    if (response) return encodeBinaryReply(message, (message.payload as { status: string }).status, response)
    textOnly(message, vsn)
    return encodeText(message, vsn, role)
  }

  return {
    vsn,
    role,
    encode(message, encodeOptions = {}) {
      assertMessage(message)
      if (vsn === '2.0.0') return encodeV2(message, encodeOptions.binary)
      textOnly(message, vsn)
      return encodeText(message, vsn, role)
    },
    decode(data) {
      if (typeof data === 'string') {
        const result = decodeText(data, vsn)
        return result.ok ? { ok: true, message: result.message, binary: false } : result
      }
      if (!isBinary(data)) {
        const what =
          data === null ? 'null' : typeof data === 'object' ? Object.prototype.toString.call(data) : typeof data
        return {
          ok: false,
          error: {
            kind: 'unsupported-input',
            detail: `cannot decode ${what}; expected a string or binary data (binaryType 'arraybuffer')`,
          },
        }
      }
      if (vsn === '1.0.0') {
        return {
          ok: false,
          error: {
            kind: 'binary-unsupported',
            detail: 'binary frame on a vsn 1.0.0 connection, which is JSON text only',
          },
        }
      }
      const result = decodeBinary(bytesOf(data), role)
      return result.ok ? { ok: true, message: result.message, binary: true } : result
    },
  }
}
