// Property tests: whatever one side encodes, the other side decodes to the same
// message, for both versions and every frame kind. Expected values pass through JSON
// (the wire is JSON: -0 becomes 0, undefined members vanish).

import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { createSerializer, type Message, type Vsn } from './index.ts'

const viaJson = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)))

const refArb = fc.option(fc.stringMatching(/^[0-9]{1,8}$/), { nil: null })
const name = fc.string({ unit: 'grapheme', maxLength: 50 })
const eventArb = name.filter((e) => e !== 'broadcast')
const json = fc.jsonValue({ maxDepth: 3 })

const plainMessage = fc.record({ join_ref: refArb, ref: refArb, topic: name, event: eventArb, payload: json })
const broadcastPush = fc.record({
  join_ref: refArb,
  ref: refArb,
  topic: name,
  userEvent: name,
  userPayload: fc.option(json, { nil: undefined }),
  persist: fc.option(fc.boolean(), { nil: undefined }),
})
const serverBroadcast = fc.record({
  topic: name,
  userEvent: name,
  userPayload: json,
  // metadata travels in a field of at most 255 bytes; the server's is small ({id, replayed})
  meta: fc.option(
    fc
      .dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 12 }), fc.boolean(), fc.integer()), {
        maxKeys: 3,
      })
      .filter((m) => Object.keys(m).length > 0),
    { nil: undefined },
  ),
})
const bytes = fc.uint8Array({ maxLength: 64 })
const copy = (data: Uint8Array) => new Uint8Array(data).buffer

describe.each<Vsn>(['1.0.0', '2.0.0'])('vsn %s', (vsn) => {
  const client = createSerializer(vsn)
  const server = createSerializer(vsn, { role: 'server' })

  test('client → server: any message arrives as sent', () => {
    fc.assert(
      fc.property(plainMessage, (message) => {
        expect(server.decode(client.encode(message))).toEqual({ ok: true, binary: false, message: viaJson(message) })
      }),
    )
  })

  test('server → client: any message arrives as sent (V1 has no join_ref on this side)', () => {
    fc.assert(
      fc.property(plainMessage, (message) => {
        const expected = { ...(viaJson(message) as Message), join_ref: vsn === '1.0.0' ? null : message.join_ref }
        expect(client.decode(server.encode(message))).toEqual({ ok: true, binary: false, message: expected })
      }),
    )
  })

  test('client → server: a broadcast push arrives with its event, payload and persist flag', () => {
    fc.assert(
      fc.property(broadcastPush, ({ join_ref, ref, topic, userEvent, userPayload, persist }) => {
        const payload: Record<string, unknown> = { type: 'broadcast', event: userEvent, payload: userPayload }
        if (persist !== undefined) payload.persist = persist
        const decoded = server.decode(client.encode({ join_ref, ref, topic, event: 'broadcast', payload }))
        // kind 3 sends a missing payload as {}; JSON text drops the undefined member
        const expectedPayload = vsn === '2.0.0' ? { ...payload, payload: viaJson(userPayload ?? {}) } : viaJson(payload)
        expect(decoded).toEqual({
          ok: true,
          binary: vsn === '2.0.0',
          message: { join_ref, ref, topic, event: 'broadcast', payload: expectedPayload },
        })
      }),
    )
  })

  test('server → client: a user broadcast arrives with its meta', () => {
    fc.assert(
      fc.property(serverBroadcast, ({ topic, userEvent, userPayload, meta }) => {
        const payload: Record<string, unknown> = { type: 'broadcast', event: userEvent, payload: userPayload }
        if (meta) payload.meta = meta
        const message: Message = { join_ref: null, ref: null, topic, event: 'broadcast', payload }
        expect(client.decode(server.encode(message, { binary: true }))).toEqual({
          ok: true,
          binary: vsn === '2.0.0',
          message: viaJson(message),
        })
      }),
    )
  })
})

describe('binary payloads (vsn 2.0.0)', () => {
  const client = createSerializer('2.0.0')
  const server = createSerializer('2.0.0', { role: 'server' })

  test('a client push of bytes arrives as an ArrayBuffer of the same bytes', () => {
    fc.assert(
      fc.property(refArb, refArb, name, eventArb, bytes, (join_ref, ref, topic, event, data) => {
        expect(server.decode(client.encode({ join_ref, ref, topic, event, payload: data }))).toEqual({
          ok: true,
          binary: true,
          message: { join_ref, ref, topic, event, payload: copy(data) },
        })
      }),
    )
  })

  test('a binary user broadcast arrives as an ArrayBuffer both ways', () => {
    fc.assert(
      fc.property(refArb, refArb, name, name, bytes, (join_ref, ref, topic, userEvent, data) => {
        const up = server.decode(
          client.encode({
            join_ref,
            ref,
            topic,
            event: 'broadcast',
            payload: { type: 'broadcast', event: userEvent, payload: data },
          }),
        )
        expect(up).toEqual({
          ok: true,
          binary: true,
          message: {
            join_ref,
            ref,
            topic,
            event: 'broadcast',
            payload: { type: 'broadcast', event: userEvent, payload: copy(data) },
          },
        })
        const down = client.decode(
          server.encode({
            join_ref: null,
            ref: null,
            topic,
            event: 'broadcast',
            payload: { type: 'broadcast', event: userEvent, payload: data },
          }),
        )
        expect(down).toEqual({
          ok: true,
          binary: true,
          message: {
            join_ref: null,
            ref: null,
            topic,
            event: 'broadcast',
            payload: { type: 'broadcast', event: userEvent, payload: copy(data) },
          },
        })
      }),
    )
  })

  test('a cut or corrupted frame decodes to a message or a DecodeError, never a throw', () => {
    fc.assert(
      fc.property(
        broadcastPush,
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        ({ join_ref, ref, topic, userEvent, userPayload }, cut, at, value) => {
          const wire = new Uint8Array(
            client.encode({
              join_ref,
              ref,
              topic,
              event: 'broadcast',
              payload: { type: 'broadcast', event: userEvent, payload: userPayload },
            }) as ArrayBuffer,
          )
          const corrupted = wire.slice()
          if (corrupted.length > 0) corrupted[at % corrupted.length] = value
          for (const data of [wire.slice(0, cut % (wire.length + 1)), corrupted]) {
            const result = server.decode(data.buffer)
            expect(typeof result.ok).toBe('boolean')
          }
        },
      ),
      { numRuns: 1000 },
    )
  })
})
