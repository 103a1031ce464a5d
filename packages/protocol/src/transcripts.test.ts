// The golden transcripts of PROTOCOL.md §6 (V2), their V1 equivalents, and the bytes
// realtime-js was observed to send (REALTIME-JS.md §2.3). Each frame is checked in
// both directions: the receiving side decodes it to the expected message, and the
// sending side encodes that message to exactly the same frame.

import { describe, expect, test } from 'vitest'
import { createSerializer, type Frame, type Message } from './index.ts'
import { frame, hex } from './test-support/bytes.ts'

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYW5vbiJ9.c2lnbmF0dXJl'

type Line = { from: 'client' | 'server'; wire: Frame; message: Message; binary?: boolean }

const m = (join_ref: string | null, ref: string | null, topic: string, event: string, payload: unknown): Message => ({
  join_ref,
  ref,
  topic,
  event,
  payload,
})
const text = (from: Line['from'], message: Message): Line => ({
  from,
  message,
  wire: JSON.stringify([message.join_ref, message.ref, message.topic, message.event, message.payload]),
})
const ok = (response: unknown = {}) => ({ status: 'ok', response })

const transcripts: Record<string, Line[]> = {
  'T1 heartbeat': [
    { from: 'client', wire: '[null,"5","phoenix","heartbeat",{}]', message: m(null, '5', 'phoenix', 'heartbeat', {}) },
    {
      from: 'server',
      wire: '[null,"5","phoenix","phx_reply",{"status":"ok","response":{}}]',
      message: m(null, '5', 'phoenix', 'phx_reply', ok()),
    },
  ],
  'T2 public join + self/ack broadcast as text': [
    {
      from: 'client',
      wire: `["1","1","realtime:any","phx_join",{"config":{"broadcast":{"self":true,"ack":true},"private":false},"access_token":"${JWT}"}]`,
      message: m('1', '1', 'realtime:any', 'phx_join', {
        config: { broadcast: { self: true, ack: true }, private: false },
        access_token: JWT,
      }),
    },
    text('server', m('1', '1', 'realtime:any', 'phx_reply', ok({ postgres_changes: [] }))),
    {
      from: 'client',
      wire: '["1","2","realtime:any","broadcast",{"event":"TEST","payload":{"msg":1},"type":"broadcast"}]',
      message: m('1', '2', 'realtime:any', 'broadcast', { event: 'TEST', payload: { msg: 1 }, type: 'broadcast' }),
      binary: false,
    },
    text(
      'server',
      m(null, null, 'realtime:any', 'broadcast', { event: 'TEST', payload: { msg: 1 }, type: 'broadcast' }),
    ),
    text('server', m('1', '2', 'realtime:any', 'phx_reply', ok())),
  ],
  'T3 binary user broadcast': [
    {
      from: 'client',
      wire: frame(0x03, 0x01, 0x01, 0x0c, 0x04, 0x00, 0x01, '1', '2', 'realtime:any', 'TEST', '{"msg":1}'),
      message: m('1', '2', 'realtime:any', 'broadcast', { type: 'broadcast', event: 'TEST', payload: { msg: 1 } }),
    },
    {
      from: 'server',
      wire: frame(0x04, 0x0c, 0x04, 0x00, 0x01, 'realtime:any', 'TEST', '{"msg":1}'),
      message: m(null, null, 'realtime:any', 'broadcast', { type: 'broadcast', event: 'TEST', payload: { msg: 1 } }),
      binary: true,
    },
    text('server', m('1', '2', 'realtime:any', 'phx_reply', ok())),
  ],
  'T4 public presence': [
    text(
      'client',
      m('1', '1', 'realtime:any', 'phx_join', { config: { presence: { key: '', enabled: true }, private: false } }),
    ),
    text('server', m('1', '1', 'realtime:any', 'phx_reply', ok({ postgres_changes: [] }))),
    text('server', m('1', null, 'realtime:any', 'presence_state', {})),
    text(
      'client',
      m('1', '2', 'realtime:any', 'presence', { type: 'presence', event: 'track', payload: { name: 'a', t: 1814.7 } }),
    ),
    text('server', m('1', '2', 'realtime:any', 'phx_reply', ok())),
    text(
      'server',
      m(null, null, 'realtime:any', 'presence_diff', {
        joins: {
          'b1f0e6a2-0c4e-11f0-9d2f-0242ac120002': { metas: [{ phx_ref: 'GHlA1fShRjMmZhnL', name: 'a', t: 1814.7 }] },
        },
        leaves: {},
      }),
    ),
  ],
  'T5 postgres_changes': [
    text(
      'client',
      m('1', '1', 'realtime:any', 'phx_join', {
        config: { postgres_changes: [{ event: 'INSERT', schema: 'public' }] },
      }),
    ),
    text(
      'server',
      m(
        '1',
        '1',
        'realtime:any',
        'phx_reply',
        ok({ postgres_changes: [{ event: 'INSERT', schema: 'public', id: 31339675 }] }),
      ),
    ),
    text(
      'server',
      m('1', null, 'realtime:any', 'system', {
        channel: 'any',
        extension: 'postgres_changes',
        message: 'Subscribed to PostgreSQL',
        status: 'ok',
      }),
    ),
    text(
      'server',
      m(null, null, 'realtime:any', 'postgres_changes', {
        ids: [31339675],
        data: {
          columns: [
            { name: 'id', type: 'int4' },
            { name: 'details', type: 'text' },
          ],
          commit_timestamp: '2026-11-27T00:00:00.000Z',
          errors: null,
          record: { details: 'test', id: 1 },
          schema: 'public',
          table: 'test',
          type: 'INSERT',
        },
      }),
    ),
  ],
  'T6 access_token refresh failure': [
    text('client', m('1', '3', 'realtime:room', 'access_token', { access_token: JWT })),
    text(
      'server',
      m('1', null, 'realtime:room', 'system', {
        channel: 'room',
        extension: 'system',
        message: 'Token has expired 1000 seconds ago',
        status: 'error',
      }),
    ),
    {
      from: 'server',
      wire: '["1","1","realtime:room","phx_close",{}]',
      message: m('1', '1', 'realtime:room', 'phx_close', {}),
    },
  ],
  'T7 private channel without policies': [
    text('client', m('1', '1', 'realtime:room', 'phx_join', { config: { private: true } })),
    text(
      'server',
      m('1', '1', 'realtime:room', 'phx_reply', {
        status: 'error',
        response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: room' },
      }),
    ),
  ],
  'T8 channels-per-client limit': [
    text('server', m('1', '1', 'realtime:a', 'phx_reply', ok({ postgres_changes: [] }))),
    text(
      'server',
      m('2', '2', 'realtime:b', 'phx_reply', {
        status: 'error',
        response: { reason: 'ChannelRateLimitReached: Too many channels' },
      }),
    ),
  ],
  'T9 leave': [
    text('client', m('1', '4', 'realtime:any', 'phx_leave', {})),
    text('server', m('1', '4', 'realtime:any', 'phx_reply', ok())),
    text('server', m('1', '1', 'realtime:any', 'phx_close', {})),
  ],
  'T10 duplicate join': [
    text('client', m('2', '2', 'realtime:x', 'phx_join', { config: {} })),
    text('server', m('2', '2', 'realtime:x', 'phx_reply', ok({ postgres_changes: [] }))),
    text('server', m('1', '1', 'realtime:x', 'phx_close', {})),
  ],
  'T11 unmatched topic': [
    { from: 'client', wire: '["1","1","room","phx_join",{}]', message: m('1', '1', 'room', 'phx_join', {}) },
    {
      from: 'server',
      wire: '[null,"1","room","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]',
      message: m(null, '1', 'room', 'phx_reply', { status: 'error', response: { reason: 'unmatched topic' } }),
    },
  ],
  'T12 server disconnect': [
    text(
      'server',
      m(null, null, 'realtime:any', 'system', {
        extension: 'system',
        message: 'Server requested disconnect',
        status: 'ok',
      }),
    ),
  ],
  'realtime-js observed kind-3 push (REALTIME-JS.md §2.3)': [
    {
      from: 'client',
      wire: frame(0x03, 0x01, 0x01, 0x0e, 0x06, 0x00, 0x01, '6', '7', 'realtime:room1', 'cursor', '{"x":1}'),
      message: m('6', '7', 'realtime:room1', 'broadcast', { type: 'broadcast', event: 'cursor', payload: { x: 1 } }),
    },
  ],
}

const sides = {
  client: createSerializer('2.0.0'),
  server: createSerializer('2.0.0', { role: 'server' }),
}
const receiverOf = (from: Line['from']) => (from === 'client' ? sides.server : sides.client)

describe.each(Object.entries(transcripts))('%s (vsn 2.0.0)', (_name, lines) => {
  test.each(lines.map((line, i) => [i, line] as const))('frame %i decodes and re-encodes byte for byte', (_i, line) => {
    const decoded = receiverOf(line.from).decode(line.wire)
    expect(decoded).toEqual({ ok: true, message: line.message, binary: typeof line.wire !== 'string' })
    const encoded = sides[line.from].encode(line.message, line.binary === undefined ? {} : { binary: line.binary })
    expect(hex(encoded)).toBe(hex(line.wire))
  })
})

describe('vsn 1.0.0 equivalents', () => {
  const v1 = { client: createSerializer('1.0.0'), server: createSerializer('1.0.0', { role: 'server' }) }

  test('a heartbeat reply is an object without join_ref (PROTOCOL.md §6 T1)', () => {
    const wire = '{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"5"}'
    const message = m(null, '5', 'phoenix', 'phx_reply', ok())
    expect(v1.client.decode(wire)).toEqual({ ok: true, message, binary: false })
    expect(v1.server.encode(message)).toBe(wire)
  })

  test('a join goes out as realtime-js sends it (REALTIME-JS.md §2.4)', () => {
    const wire =
      '{"topic":"realtime:room1","event":"phx_join","payload":{"config":{"broadcast":{"ack":false,"self":false},' +
      '"presence":{"key":"","enabled":false},"postgres_changes":[],"private":true},"access_token":"jwt1"},"ref":"6","join_ref":"6"}'
    const message = m('6', '6', 'realtime:room1', 'phx_join', {
      config: {
        broadcast: { ack: false, self: false },
        presence: { key: '', enabled: false },
        postgres_changes: [],
        private: true,
      },
      access_token: 'jwt1',
    })
    expect(v1.client.encode(message)).toBe(wire)
    expect(v1.server.decode(wire)).toEqual({ ok: true, message, binary: false })
  })

  test('V1 members get user broadcasts as JSON text (PROTOCOL.md §6 T3)', () => {
    const wire =
      '{"topic":"realtime:any","event":"broadcast","payload":{"type":"broadcast","event":"TEST","payload":{"msg":1}},"ref":null}'
    const message = m(null, null, 'realtime:any', 'broadcast', {
      type: 'broadcast',
      event: 'TEST',
      payload: { msg: 1 },
    })
    expect(v1.server.encode(message, { binary: true })).toBe(wire)
    expect(v1.client.decode(wire)).toEqual({ ok: true, message, binary: false })
  })

  test.each(
    Object.entries(transcripts).flatMap(([name, lines]) =>
      lines.filter((l) => typeof l.wire === 'string').map((l) => [name, l] as const),
    ),
  )('%s: the same message travels as a V1 object', (_name, line) => {
    const { join_ref, ref, topic, event, payload } = line.message
    const wire =
      line.from === 'client'
        ? JSON.stringify({ topic, event, payload, ref, join_ref })
        : JSON.stringify({ topic, event, payload, ref })
    expect(v1[line.from].encode(line.message)).toBe(wire)
    const expected = line.from === 'client' ? line.message : { ...line.message, join_ref: null }
    expect((line.from === 'client' ? v1.server : v1.client).decode(wire)).toEqual({
      ok: true,
      message: expected,
      binary: false,
    })
  })
})
