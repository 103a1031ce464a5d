// parseBatchBroadcast: accepted batches, and Realtime's exact 422 bodies.
import { describe, expect, it } from 'vitest'
import { parseBatchBroadcast } from './batch.ts'

const ok = { topic: 'room', event: 'msg', payload: { n: 1 } }
const unprocessable = (messages: unknown) => ({ ok: false, status: 422, body: { errors: { messages } } })

describe('parseBatchBroadcast', () => {
  it('accepts valid messages, defaulting private to false', () => {
    const body = { messages: [ok, { topic: 'dm', event: 'e', payload: {}, private: true, id: 'abc' }] }
    expect(parseBatchBroadcast(body)).toEqual({
      ok: true,
      messages: [
        { topic: 'room', event: 'msg', payload: { n: 1 }, private: false },
        { topic: 'dm', event: 'e', payload: {}, private: true, id: 'abc' },
      ],
    })
  })

  it("answers the example of Realtime's test with one error map per message", () => {
    const body = { messages: [{ topic: 'topic' }, { payload: { data: 'data' } }, ok] }
    const result = parseBatchBroadcast(body)
    expect(result).toEqual(
      unprocessable([
        { event: ["can't be blank"], payload: ["can't be blank"] },
        { event: ["can't be blank"], topic: ["can't be blank"] },
        {},
      ]),
    )
    expect(JSON.stringify(!result.ok && result.body)).toBe(
      '{"errors":{"messages":[{"event":["can\'t be blank"],"payload":["can\'t be blank"]},{"event":["can\'t be blank"],"topic":["can\'t be blank"]},{}]}}',
    )
  })

  it.each([
    ['no messages key', {}, ["can't be blank"]],
    ['an empty list', { messages: [] }, ["can't be blank"]],
    ['an empty object', { messages: {} }, ["can't be blank"]],
    ['a body that is not an object', [ok], ["can't be blank"]],
    ['null messages', { messages: null }, ['is invalid']],
    ['a string', { messages: 'hi' }, ['is invalid']],
    ['a list with a non-object', { messages: [ok, 'x'] }, ['is invalid']],
    ['a list with a null', { messages: [null] }, ['is invalid']],
  ])('rejects %s', (_name, body, messages) => {
    expect(parseBatchBroadcast(body)).toEqual(unprocessable(messages))
  })

  it.each([
    ['a blank topic', { ...ok, topic: '  ' }, { topic: ["can't be blank"] }],
    ['a null event', { ...ok, event: null }, { event: ["can't be blank"] }],
    ['a numeric topic', { ...ok, topic: 7 }, { topic: ['is invalid'] }],
    ['an array payload', { ...ok, payload: [1] }, { payload: ['is invalid'] }],
    ['a string payload', { ...ok, payload: 'text' }, { payload: ['is invalid'] }],
    ['an empty-string payload', { ...ok, payload: '' }, { payload: ["can't be blank"] }],
    ['a numeric id', { ...ok, id: 5 }, { id: ['is invalid'] }],
    ['a private that is not boolean-ish', { ...ok, private: 'yes' }, { private: ['is invalid'] }],
    [
      'everything wrong',
      { topic: 1, event: '', payload: 2, id: [], private: 2 },
      {
        event: ["can't be blank"],
        id: ['is invalid'],
        payload: ['is invalid'],
        private: ['is invalid'],
        topic: ['is invalid'],
      },
    ],
  ])('reports %s', (_name, message, errors) => {
    const result = parseBatchBroadcast({ messages: [message] })
    expect(result).toEqual(unprocessable([errors]))
    expect(Object.keys((result as { body: { errors: { messages: object[] } } }).body.errors.messages[0]!)).toEqual(
      Object.keys(errors).toSorted(),
    )
  })

  it.each([
    [true, true],
    ['true', true],
    ['1', true],
    [false, false],
    ['false', false],
    ['0', false],
    [null, false],
    ['', false],
  ])('casts private %j to %s', (value, expected) => {
    expect(parseBatchBroadcast({ messages: [{ ...ok, private: value }] })).toMatchObject({
      ok: true,
      messages: [{ private: expected }],
    })
  })

  it('keeps a topic with surrounding spaces as given, and drops a blank id', () => {
    expect(parseBatchBroadcast({ messages: [{ ...ok, topic: ' room ', id: ' ' }] })).toEqual({
      ok: true,
      messages: [{ topic: ' room ', event: 'msg', payload: { n: 1 }, private: false }],
    })
  })

  it('reads an object of index keys as a list in key order', () => {
    const messages = {
      10: { ...ok, event: 'c' },
      2: { ...ok, event: 'b' },
      x: { ...ok, event: 'd' },
      '-1': { ...ok, event: 'a' },
    }
    const result = parseBatchBroadcast({ messages })
    expect(result.ok && result.messages.map((m) => m.event)).toEqual(['a', 'b', 'c', 'd'])
  })

  describe('payload size', () => {
    const payload = { data: 'x'.repeat(100) } // external size 1 + 5 + (5 + 4) + (5 + 100) = 120

    it('accepts a payload at the limit', () => {
      expect(parseBatchBroadcast({ messages: [{ ...ok, payload }] }, { maxPayloadBytes: 120 })).toMatchObject({
        ok: true,
      })
    })

    it('rejects a payload over the limit', () => {
      const result = parseBatchBroadcast({ messages: [ok, { ...ok, payload }] }, { maxPayloadBytes: 119 })
      expect(result).toEqual(unprocessable([{}, { payload: ['Payload size exceeds tenant limit'] }]))
    })

    it("defaults to Realtime's 3 000 500 bytes", () => {
      const big = (n: number) => ({ messages: [{ ...ok, payload: { d: 'x'.repeat(n) } }] })
      expect(parseBatchBroadcast(big(3_000_500 - 17))).toMatchObject({ ok: true })
      expect(parseBatchBroadcast(big(3_000_500 - 16))).toMatchObject({ ok: false, status: 422 })
    })
  })
})
