// Decoding untrusted frames: every malformed input is a typed DecodeError, never a throw.

import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createSerializer, DECODE_ERROR_KINDS, type DecodeErrorKind, type Serializer } from './index.ts'
import { frame } from './test-support/bytes.ts'

const serializers: Serializer[] = [
  createSerializer('2.0.0'),
  createSerializer('2.0.0', { role: 'server' }),
  createSerializer('1.0.0'),
  createSerializer('1.0.0', { role: 'server' }),
]
const client = serializers[0]!
const server = serializers[1]!
const v1 = serializers[2]!

function errorKind(serializer: Serializer, data: unknown): DecodeErrorKind | 'ok' {
  const result = serializer.decode(data)
  return result.ok ? 'ok' : result.error.kind
}

describe('decode errors', () => {
  test.each<[string, Serializer, unknown, DecodeErrorKind]>([
    ['non-JSON text', client, '[null,"1"', 'invalid-json'],
    ['a V2 array that is too short', client, '[null,"1","phoenix","phx_reply"]', 'invalid-shape'],
    ['a V1 object on a V2 connection', client, '{"topic":"t","event":"e","payload":{},"ref":null}', 'invalid-shape'],
    ['a numeric topic', client, '[null,null,1,"e",{}]', 'invalid-shape'],
    ['a numeric ref', client, '[null,1,"t","e",{}]', 'invalid-shape'],
    ['a V2 array on a V1 connection', v1, '[null,null,"t","e",{}]', 'invalid-shape'],
    ['a V1 object without ref', v1, '{"topic":"t","event":"e","payload":{}}', 'invalid-shape'],
    ['a V1 object without payload', v1, '{"topic":"t","event":"e","ref":null}', 'invalid-shape'],
    ['binary on a V1 connection', v1, frame(4, 1, 1, 0, 1, 't', 'e', '{}'), 'binary-unsupported'],
    ['a number', client, 42, 'unsupported-input'],
    ['null', client, null, 'unsupported-input'],
    ['a Blob-like object', client, { size: 3, type: '' }, 'unsupported-input'],
    ['an empty binary frame', client, new ArrayBuffer(0), 'truncated'],
    ['a kind-3 frame sent to a client', client, frame(3, 0, 0, 1, 1, 0, 1, 't', 'e', '{}'), 'unknown-kind'],
    ['a kind-4 frame sent to a server', server, frame(4, 1, 1, 0, 1, 't', 'e', '{}'), 'unknown-kind'],
    ['kind 9', client, frame(9, 1, 2, 3), 'unknown-kind'],
    ['a kind-4 header cut short', client, frame(4, 1, 1), 'truncated'],
    ['a kind-4 topic longer than the frame', client, frame(4, 200, 1, 0, 1, 'topic'), 'truncated'],
    ['a kind-4 topic that is not UTF-8', client, frame(4, 1, 1, 0, 1, 0xff, 'e', '{}'), 'invalid-utf8'],
    ['a kind-4 JSON payload that is not JSON', client, frame(4, 1, 1, 0, 1, 't', 'e', '{"a":'), 'invalid-json'],
    ['a kind-4 payload encoding of 7', client, frame(4, 1, 1, 0, 7, 't', 'e', '{}'), 'unknown-encoding'],
    ['kind-4 metadata that is not JSON', client, frame(4, 1, 1, 2, 1, 't', 'e', '{x', '{}'), 'invalid-json'],
    ['kind-4 metadata that is an array', client, frame(4, 1, 1, 2, 1, 't', 'e', '[]', '{}'), 'invalid-shape'],
    ['a kind-3 frame with its encoding byte missing', server, frame(3, 0, 0, 0, 0, 0), 'truncated'],
  ])('%s is %s', (_what, serializer, data, kind) => {
    expect(errorKind(serializer, data)).toBe(kind)
  })

  test('an error detail quotes at most a short excerpt of the input', () => {
    const huge = `[${'x'.repeat(100_000)}`
    const result = client.decode(huge)
    const detail = result.ok ? '' : result.error.detail
    expect(result.ok).toBe(false)
    expect(detail.length).toBeGreaterThan(0)
    expect(detail.length).toBeLessThan(200)
  })

  test('accepts V2 arrays with extra elements, as the server does', () => {
    expect(client.decode('[null,null,"t","e",{},"extra"]')).toMatchObject({
      ok: true,
      message: { topic: 't', payload: {} },
    })
  })

  test('reads a Node Buffer-like view at its own offset', () => {
    const backing = new Uint8Array([0xee, ...new Uint8Array(frame(2, 1, 1, 't', 'e', 7)), 0xee])
    const view = backing.subarray(1, backing.length - 1)
    expect(client.decode(view)).toMatchObject({
      ok: true,
      message: { topic: 't', event: 'e', payload: new Uint8Array([7]).buffer },
    })
  })

  test('kind-3 metadata cannot override type, event or payload, nor set a prototype', () => {
    const meta = '{"event":"x","type":"y","__proto__":{"p":1}}'
    const result = server.decode(frame(3, 0, 0, 1, 1, meta.length, 1, 't', 'e', meta, '5'))
    expect(result).toMatchObject({ ok: true, message: { payload: { type: 'broadcast', event: 'e', payload: 5 } } })
    expect(Object.getPrototypeOf(result.ok ? result.message.payload : null)).toBe(Object.prototype)
  })
})

describe('decode never throws', () => {
  const kinds = fc.integer({ min: 0, max: 5 })

  test('on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        for (const s of serializers) expect(DECODE_ERROR_KINDS.concat('ok' as never)).toContain(errorKind(s, text))
      }),
    )
  })

  test('on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        for (const s of serializers) s.decode(text)
      }),
    )
  })

  test('on arbitrary bytes starting with a known kind', () => {
    fc.assert(
      fc.property(kinds, fc.uint8Array({ maxLength: 300 }), (kind, rest) => {
        const data = new Uint8Array([kind, ...rest])
        for (const s of serializers) s.decode(data.buffer)
      }),
      { numRuns: 2000 },
    )
  })

  test('on any JavaScript value', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true, withMap: true, withSet: true }), (value) => {
        for (const s of serializers) s.decode(value)
      }),
    )
  })
})
