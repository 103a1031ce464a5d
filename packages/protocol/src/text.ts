// Text frames (PROTOCOL.md §1.2, §1.3).
//   vsn 2.0.0: JSON array  [join_ref, ref, topic, event, payload]           both ways
//   vsn 1.0.0: JSON object {topic, event, payload, ref, join_ref}           client → server
//              JSON object {topic, event, payload, ref}  (no join_ref)       server → client
// The decoder accepts what the real server accepts: V2 arrays with extra elements
// (ignored), V1 objects without join_ref (null).

import { type DecodeError, excerpt } from './errors.ts'
import type { Message, Vsn } from './message.ts'

export type TextDecodeResult = { ok: true; message: Message } | { ok: false; error: DecodeError }

export function encodeText(message: Message, vsn: Vsn, role: 'client' | 'server'): string {
  const { join_ref, ref, topic, event, payload } = message
  if (vsn === '2.0.0') return JSON.stringify([join_ref, ref, topic, event, payload])
  return role === 'client'
    ? JSON.stringify({ topic, event, payload, ref, join_ref })
    : JSON.stringify({ topic, event, payload, ref })
}

const isRef = (value: unknown): value is string | null => value === null || typeof value === 'string'

function shapeError(detail: string): TextDecodeResult {
  return { ok: false, error: { kind: 'invalid-shape', detail } }
}

function fromFields(
  join_ref: unknown,
  ref: unknown,
  topic: unknown,
  event: unknown,
  payload: unknown,
): TextDecodeResult {
  if (typeof topic !== 'string') return shapeError('topic must be a string')
  if (typeof event !== 'string') return shapeError('event must be a string')
  if (!isRef(join_ref)) return shapeError('join_ref must be a string or null')
  if (!isRef(ref)) return shapeError('ref must be a string or null')
  return { ok: true, message: { join_ref, ref, topic, event, payload } }
}

export function decodeText(text: string, vsn: Vsn): TextDecodeResult {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { ok: false, error: { kind: 'invalid-json', detail: `not JSON: ${excerpt(text)}` } }
  }
  if (vsn === '2.0.0') {
    if (!Array.isArray(value) || value.length < 5) {
      return shapeError(`expected a V2 array [join_ref, ref, topic, event, payload]: ${excerpt(text)}`)
    }
    const [join_ref, ref, topic, event, payload] = value as unknown[]
    return fromFields(join_ref, ref, topic, event, payload)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return shapeError(`expected a V1 object {topic, event, payload, ref}: ${excerpt(text)}`)
  }
  const record = value as Record<string, unknown>
  for (const key of ['topic', 'event', 'payload', 'ref']) {
    if (!Object.hasOwn(record, key)) return shapeError(`V1 message lacks "${key}"`)
  }
  return fromFields(record.join_ref ?? null, record.ref, record.topic, record.event, record.payload)
}
