// createSerializer: the binary kinds beyond the transcripts, the choices between text
// and binary, and every encode error. Decode errors: decode.test.ts.

import { describe, expect, test } from 'vitest'
import { createSerializer, EncodeError, type Message } from './index.ts'
import { frame, hex } from './test-support/bytes.ts'

const client = createSerializer('2.0.0')
const server = createSerializer('2.0.0', { role: 'server' })
const bytes = (...values: number[]) => new Uint8Array(values)

function encodeError(fn: () => unknown): EncodeError {
  try {
    fn()
  } catch (error) {
    if (error instanceof EncodeError) return error
    throw error
  }
  throw new Error('expected an EncodeError')
}

describe('createSerializer', () => {
  test("rejects an unknown version with realtime-js's message", () => {
    expect(() => createSerializer('3.0.0' as never)).toThrow('Unsupported serializer version: 3.0.0')
  })

  test('rejects an unknown role', () => {
    expect(() => createSerializer('2.0.0', { role: 'peer' as never })).toThrow("role must be 'client' or 'server'")
  })
})

describe('user broadcast (kinds 3 and 4)', () => {
  const push = (payload: Record<string, unknown>): Message => ({
    join_ref: '1',
    ref: '2',
    topic: 'realtime:r',
    event: 'broadcast',
    payload: { type: 'broadcast', event: 'e', ...payload },
  })

  test('puts allow-listed keys of the push payload into kind-3 metadata', () => {
    const wire = client.encode(push({ payload: { a: 1 }, persist: true, other: 'dropped' }))
    expect(hex(wire)).toBe(
      hex(frame(3, 1, 1, 10, 1, 16, 1, '1', '2', 'realtime:r', 'e', '{"persist":true}', '{"a":1}')),
    )
    expect(server.decode(wire)).toEqual({
      ok: true,
      binary: true,
      message: {
        join_ref: '1',
        ref: '2',
        topic: 'realtime:r',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: { a: 1 }, persist: true },
      },
    })
  })

  test('uses the configured metadata allow-list', () => {
    const custom = createSerializer('2.0.0', { allowedMetadataKeys: ['trace'] })
    const wire = custom.encode(push({ payload: {}, trace: 'abc', persist: true }))
    expect(hex(wire)).toContain(hex(frame('{"trace":"abc"}')))
  })

  test('sends a missing user payload as {} (as realtime-js)', () => {
    expect(hex(client.encode(push({})))).toBe(hex(frame(3, 1, 1, 10, 1, 0, 1, '1', '2', 'realtime:r', 'e', '{}')))
  })

  test.each([
    ['ArrayBuffer', bytes(1, 2, 3).buffer],
    ['Uint8Array', bytes(1, 2, 3)],
    ['a Uint8Array view into a larger buffer', bytes(9, 1, 2, 3, 9).subarray(1, 4)],
    ['DataView', new DataView(bytes(1, 2, 3).buffer)],
  ])('sends a %s user payload with binary encoding 0', (_what, payload) => {
    const wire = client.encode(push({ payload }))
    expect(hex(wire)).toBe(hex(frame(3, 1, 1, 10, 1, 0, 0, '1', '2', 'realtime:r', 'e', 1, 2, 3)))
    const decoded = server.decode(wire)
    expect(decoded.ok && (decoded.message.payload as { payload: unknown }).payload).toEqual(bytes(1, 2, 3).buffer)
  })

  test('counts field lengths in UTF-8 bytes, not UTF-16 units', () => {
    const wire = client.encode({
      join_ref: null,
      ref: null,
      topic: 'realtime:café',
      event: 'broadcast',
      payload: { type: 'broadcast', event: '👋', payload: 1 },
    })
    expect(hex(wire)).toBe(hex(frame(3, 0, 0, 14, 4, 0, 1, 'realtime:café', '👋', '1')))
  })

  test('server sends kind 4 with meta as metadata, and the client reads meta back', () => {
    const message: Message = {
      join_ref: null,
      ref: null,
      topic: 'realtime:r',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: { a: 1 }, meta: { id: 'x', replayed: true } },
    }
    const wire = server.encode(message, { binary: true })
    expect(hex(wire)).toBe(hex(frame(4, 10, 1, 26, 1, 'realtime:r', 'e', '{"id":"x","replayed":true}', '{"a":1}')))
    expect(client.decode(wire)).toEqual({ ok: true, binary: true, message })
  })

  test('server sends a broadcast as text unless asked for binary or the payload is binary', () => {
    const message: Message = {
      join_ref: null,
      ref: null,
      topic: 'realtime:r',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: 1 },
    }
    expect(server.encode(message)).toBe(
      '[null,null,"realtime:r","broadcast",{"type":"broadcast","event":"e","payload":1}]',
    )
    const binary = server.encode({ ...message, payload: { type: 'broadcast', event: 'e', payload: bytes(7).buffer } })
    expect(hex(binary)).toBe(hex(frame(4, 10, 1, 0, 0, 'realtime:r', 'e', 7)))
  })

  test('a broadcast whose payload has no string event goes as text', () => {
    const message: Message = {
      join_ref: '1',
      ref: '2',
      topic: 'realtime:r',
      event: 'broadcast',
      payload: { type: 'broadcast', payload: 1 },
    }
    expect(client.encode(message)).toBe('["1","2","realtime:r","broadcast",{"type":"broadcast","payload":1}]')
  })
})

describe('Phoenix binary kinds 0, 1, 2', () => {
  test('a client push with a binary payload is kind 0 with a ref', () => {
    const message: Message = { join_ref: '1', ref: '2', topic: 't', event: 'ev', payload: bytes(5, 6).buffer }
    const wire = client.encode(message)
    expect(hex(wire)).toBe(hex(frame(0, 1, 1, 1, 2, '1', '2', 't', 'ev', 5, 6)))
    expect(server.decode(wire)).toEqual({ ok: true, binary: true, message })
  })

  test('a server push is kind 0 without a ref', () => {
    const wire = server.encode({ join_ref: '1', ref: null, topic: 't', event: 'ev', payload: bytes(5).buffer })
    expect(hex(wire)).toBe(hex(frame(0, 1, 1, 2, '1', 't', 'ev', 5)))
    expect(client.decode(wire)).toEqual({
      ok: true,
      binary: true,
      message: { join_ref: '1', ref: null, topic: 't', event: 'ev', payload: bytes(5).buffer },
    })
  })

  test('a server broadcast (no join_ref, no ref) is kind 2', () => {
    const message: Message = { join_ref: null, ref: null, topic: 't', event: 'ev', payload: bytes(5).buffer }
    const wire = server.encode(message)
    expect(hex(wire)).toBe(hex(frame(2, 1, 2, 't', 'ev', 5)))
    expect(client.decode(wire)).toEqual({ ok: true, binary: true, message })
  })

  test('a reply with a binary response is kind 1', () => {
    const message: Message = {
      join_ref: '1',
      ref: '3',
      topic: 't',
      event: 'phx_reply',
      payload: { status: 'ok', response: bytes(9).buffer },
    }
    const wire = server.encode(message)
    expect(hex(wire)).toBe(hex(frame(1, 1, 1, 1, 2, '1', '3', 't', 'ok', 9)))
    expect(client.decode(wire)).toEqual({ ok: true, binary: true, message })
  })
})

describe('encode errors', () => {
  test('a field over 255 UTF-8 bytes names the field', () => {
    const error = encodeError(() =>
      client.encode({
        join_ref: '1',
        ref: '2',
        topic: `realtime:${'é'.repeat(124)}`,
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: 1 },
      }),
    )
    expect(error.kind).toBe('field-too-long')
    expect(error.field).toBe('topic')
    expect(error.message).toMatch(/topic is 257 UTF-8 bytes long; a binary frame holds at most 255/)
  })

  test('a 255-byte field still fits', () => {
    expect(() =>
      client.encode({
        join_ref: null,
        ref: null,
        topic: 't',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'x'.repeat(255), payload: 1 },
      }),
    ).not.toThrow()
  })

  test('vsn 1.0.0 refuses binary data instead of sending {}', () => {
    const v1 = createSerializer('1.0.0')
    const error = encodeError(() =>
      v1.encode({
        join_ref: '1',
        ref: '2',
        topic: 'realtime:r',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: bytes(1) },
      }),
    )
    expect(error.kind).toBe('binary-unsupported')
    expect(error.message).toContain('use vsn 2.0.0')
  })

  test('a binary user payload forced into text is refused', () => {
    const error = encodeError(() =>
      client.encode(
        {
          join_ref: '1',
          ref: '2',
          topic: 'r',
          event: 'broadcast',
          payload: { type: 'broadcast', event: 'e', payload: bytes(1) },
        },
        { binary: false },
      ),
    )
    expect(error.kind).toBe('binary-unsupported')
  })

  test.each([
    ['topic', { join_ref: null, ref: null, topic: 1, event: 'e', payload: {} }],
    ['event', { join_ref: null, ref: null, topic: 't', event: undefined, payload: {} }],
    ['ref', { join_ref: null, ref: 5, topic: 't', event: 'e', payload: {} }],
  ])('a message with a bad %s is refused', (field, message) => {
    const error = encodeError(() => client.encode(message as never))
    expect(error.kind).toBe('invalid-message')
    expect(error.field).toBe(field)
  })
})
