// Reading the binary frames of binary.ts. Never throws: every way a frame can be
// wrong (short, lengths past the end, bad UTF-8, bad JSON, unknown kind or encoding)
// is a DecodeError.

import { copyToArrayBuffer, fromUtf8 } from './bytes.ts'
import { BINARY_KINDS, type BinaryDecodeResult, PAYLOAD_ENCODING } from './binary.ts'
import type { DecodeError, DecodeErrorKind } from './errors.ts'
import { type Message, PHX_EVENTS, REALTIME_EVENTS } from './message.ts'

type Role = 'client' | 'server'

interface Parts {
  fields: string[]
  fixed: number[]
  data: Uint8Array
}

const message = (m: Message): BinaryDecodeResult => ({ ok: true, message: m })

function fail(kind: DecodeErrorKind, detail: string): { ok: false; error: DecodeError } {
  return { ok: false, error: { kind, detail } }
}

const FIELD_NAMES: Record<string, string[]> = {
  'client:0': ['join_ref', 'topic', 'event'],
  'client:1': ['join_ref', 'ref', 'topic', 'status'],
  'client:2': ['topic', 'event'],
  'client:4': ['topic', 'user_event', 'metadata'],
  'server:0': ['join_ref', 'ref', 'topic', 'event'],
  'server:3': ['join_ref', 'ref', 'topic', 'user_event', 'metadata'],
}
const FIXED_BYTES: Record<number, number> = { [BINARY_KINDS.userBroadcastPush]: 1, [BINARY_KINDS.userBroadcast]: 1 }

function split(bytes: Uint8Array, kind: number, names: string[]): Parts | { ok: false; error: DecodeError } {
  const fixedCount = FIXED_BYTES[kind] ?? 0
  const headerLength = 1 + names.length + fixedCount
  if (bytes.byteLength < headerLength) {
    return fail(
      'truncated',
      `kind ${kind} needs a ${headerLength}-byte header; the frame has ${bytes.byteLength} bytes`,
    )
  }
  const fields: string[] = []
  let offset = headerLength
  for (let i = 0; i < names.length; i++) {
    const length = bytes[1 + i] ?? 0
    if (offset + length > bytes.byteLength) {
      return fail('truncated', `kind ${kind}: ${names[i]} (${length} bytes) runs past the end of the frame`)
    }
    const text = fromUtf8(bytes.subarray(offset, offset + length))
    if (text === undefined) return fail('invalid-utf8', `kind ${kind}: ${names[i]} is not UTF-8`)
    fields.push(text)
    offset += length
  }
  const fixed = Array.from(bytes.subarray(1 + names.length, headerLength))
  return { fields, fixed, data: bytes.subarray(offset) }
}

const nullIfEmpty = (value: string | undefined): string | null => (value ? value : null)

function parseJson(bytes: Uint8Array, what: string): { ok: true; value: unknown } | { ok: false; error: DecodeError } {
  const text = fromUtf8(bytes)
  if (text === undefined) return fail('invalid-utf8', `${what} is not UTF-8`)
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return fail('invalid-json', `${what} is not JSON`)
  }
}

function parseMetadata(
  text: string,
): { ok: true; value: Record<string, unknown> | undefined } | { ok: false; error: DecodeError } {
  if (text === '') return { ok: true, value: undefined }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return fail('invalid-json', 'broadcast metadata is not JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid-shape', 'broadcast metadata must be a JSON object')
  }
  return { ok: true, value: value as Record<string, unknown> }
}

function userPayload(
  encoding: number | undefined,
  data: Uint8Array,
): { ok: true; value: unknown } | { ok: false; error: DecodeError } {
  if (encoding === PAYLOAD_ENCODING.binary) return { ok: true, value: copyToArrayBuffer(data) }
  if (encoding === PAYLOAD_ENCODING.json) return parseJson(data, 'broadcast payload')
  return fail('unknown-encoding', `broadcast payload encoding ${encoding} is neither 0 (binary) nor 1 (JSON)`)
}

/** Builds the decoded message of one kind from its split parts. */
function build(role: Role, kind: number, parts: Parts): BinaryDecodeResult {
  const { fields: f, fixed, data } = parts
  switch (`${role}:${kind}`) {
    case 'client:0':
      return message({
        join_ref: nullIfEmpty(f[0]),
        ref: null,
        topic: f[1]!,
        event: f[2]!,
        payload: copyToArrayBuffer(data),
      })
    case 'client:1':
      return message({
        join_ref: nullIfEmpty(f[0]),
        ref: nullIfEmpty(f[1]),
        topic: f[2]!,
        event: PHX_EVENTS.reply,
        payload: { status: f[3]!, response: copyToArrayBuffer(data) },
      })
    case 'client:2':
      return message({ join_ref: null, ref: null, topic: f[0]!, event: f[1]!, payload: copyToArrayBuffer(data) })
    case 'server:0':
      return message({
        join_ref: nullIfEmpty(f[0]),
        ref: nullIfEmpty(f[1]),
        topic: f[2]!,
        event: f[3]!,
        payload: copyToArrayBuffer(data),
      })
    case 'client:4':
    case 'server:3': {
      const [topicAt, eventAt, metaAt] = role === 'client' ? [0, 1, 2] : [2, 3, 4]
      const meta = parseMetadata(f[metaAt]!)
      if (!meta.ok) return meta
      const user = userPayload(fixed[0], data)
      if (!user.ok) return user
      const payload: Record<string, unknown> = { type: 'broadcast', event: f[eventAt]!, payload: user.value }
      // Kind 4 carries the server's meta ({id, replayed}); kind 3 carries the keys the
      // client's allow-list picked from its push payload (e.g. persist), put back where they came from.
      if (meta.value && role === 'client') payload.meta = meta.value
      if (meta.value && role === 'server') {
        for (const [key, value] of Object.entries(meta.value)) {
          if (!Object.hasOwn(payload, key) && key !== '__proto__') payload[key] = value
        }
      }
      return message({
        join_ref: role === 'client' ? null : nullIfEmpty(f[0]),
        ref: role === 'client' ? null : nullIfEmpty(f[1]),
        topic: f[topicAt]!,
        event: REALTIME_EVENTS.broadcast,
        payload,
      })
    }
    default:
      return fail('unknown-kind', `binary kind ${kind} is not one a ${role} receives`)
  }
}

export function decodeBinary(bytes: Uint8Array, role: Role): BinaryDecodeResult {
  if (bytes.byteLength === 0) return fail('truncated', 'empty binary frame')
  const kind = bytes[0]!
  const names = FIELD_NAMES[`${role}:${kind}`]
  if (!names) return fail('unknown-kind', `binary kind ${kind} is not one a ${role} receives`)
  const parts = split(bytes, kind, names)
  if ('ok' in parts) return parts
  return build(role, kind, parts)
}
