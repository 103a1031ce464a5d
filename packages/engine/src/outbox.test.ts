import { describe, expect, test } from 'vitest'
import { Outbox, OutboxFullError, type OutboxPush, type PushResult } from './outbox.ts'
import { TestClock } from './test-clock.ts'

const push = (event: string, overrides: Partial<OutboxPush> = {}): OutboxPush => ({
  event,
  payload: { n: event },
  timeoutMs: 10_000,
  awaitReply: true,
  ...overrides,
})

/** A send function that records what went out and hands out refs "1", "2", …; `up` false → null. */
function wire() {
  const sent: Array<{ ref: string; event: string; payload: unknown }> = []
  const state = { up: true, next: 1 }
  const send = (event: string, payload: unknown): string | null => {
    if (!state.up) return null
    const ref = String(state.next++)
    sent.push({ ref, event, payload })
    return ref
  }
  return { sent, state, send }
}

/** Records each promise's result as it settles, so tests can assert on all of them at once. */
function track(promises: Record<string, Promise<PushResult>>, results: Record<string, PushResult | Error> = {}) {
  for (const [key, p] of Object.entries(promises)) {
    p.then(
      (r) => (results[key] = r),
      (e: Error) => (results[key] = e),
    )
  }
  return results
}

const microtasks = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve()
}

function setup(limit?: number) {
  const clock = new TestClock()
  const outbox = new Outbox({ topic: 'realtime:room', clock, ...(limit === undefined ? {} : { limit }) })
  return { clock, outbox, ...wire() }
}

describe('enqueue', () => {
  test('queues pushes without sending them until flush', () => {
    const { outbox, sent } = setup()
    void outbox.enqueue(push('a'))
    void outbox.enqueue(push('b'))
    expect({ size: outbox.size, waiting: outbox.waiting, sent }).toEqual({ size: 2, waiting: 0, sent: [] })
  })

  test('rejects with OutboxFullError past the limit and keeps every queued push', async () => {
    const { outbox, send, sent } = setup(2)
    const results = track({ a: outbox.enqueue(push('a')), b: outbox.enqueue(push('b')) })
    const error = await outbox.enqueue(push('c')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OutboxFullError)
    expect(error).toMatchObject({
      name: 'OutboxFullError',
      message:
        'cannot queue another push on "realtime:room": 2 are already waiting for the channel to join (raise the limit or wait for SUBSCRIBED)',
      topic: 'realtime:room',
      limit: 2,
    })
    expect(outbox.size).toBe(2)
    outbox.flush(send)
    expect(sent.map((s) => s.event)).toEqual(['a', 'b'])
    expect(outbox.reply('1', 'ok') && outbox.reply('2', 'ok')).toBe(true)
    await microtasks()
    expect(results).toEqual({ a: 'ok', b: 'ok' })
  })

  test('does not count pushes waiting for a reply towards the limit', async () => {
    const { outbox, send } = setup(1)
    void outbox.enqueue(push('a'))
    outbox.flush(send)
    const results = track({ b: outbox.enqueue(push('b')) })
    await microtasks()
    expect({ size: outbox.size, waiting: outbox.waiting, results }).toEqual({ size: 1, waiting: 1, results: {} })
  })

  test('uses 100 as the default limit, like realtime-js', async () => {
    const { outbox } = setup()
    for (let i = 0; i < 100; i++) void outbox.enqueue(push(`p${i}`))
    await expect(outbox.enqueue(push('one too many'))).rejects.toThrow(OutboxFullError)
    expect(outbox.size).toBe(100)
  })

  test('starts the timeout at enqueue: a push that times out while queued resolves "timed out" and is never sent', async () => {
    const { clock, outbox, send, sent } = setup()
    const results = track({
      short: outbox.enqueue(push('short', { timeoutMs: 1000 })),
      long: outbox.enqueue(push('long', { timeoutMs: 5000 })),
    })
    clock.advance(1000)
    await microtasks()
    expect({ results, size: outbox.size }).toEqual({ results: { short: 'timed out' }, size: 1 })
    outbox.flush(send)
    expect(sent.map((s) => s.event)).toEqual(['long'])
  })

  test('counts the time spent queued against the reply deadline', async () => {
    const { clock, outbox, send } = setup()
    const results = track({ a: outbox.enqueue(push('a', { timeoutMs: 3000 })) })
    clock.advance(2000)
    outbox.flush(send)
    clock.advance(999)
    await microtasks()
    expect(results).toEqual({})
    clock.advance(1)
    await microtasks()
    expect({ results, waiting: outbox.waiting }).toEqual({ results: { a: 'timed out' }, waiting: 0 })
  })
})

describe('flush', () => {
  test('sends queued pushes in enqueue order, across several enqueues and flushes', () => {
    const { outbox, send, sent } = setup()
    void outbox.enqueue(push('a'))
    void outbox.enqueue(push('b'))
    outbox.flush(send)
    void outbox.enqueue(push('c'))
    outbox.flush(send)
    outbox.flush(send)
    expect(sent).toEqual([
      { ref: '1', event: 'a', payload: { n: 'a' } },
      { ref: '2', event: 'b', payload: { n: 'b' } },
      { ref: '3', event: 'c', payload: { n: 'c' } },
    ])
    expect({ size: outbox.size, waiting: outbox.waiting }).toEqual({ size: 0, waiting: 3 })
  })

  test('stops when send returns null and keeps that push and the rest queued, in order', () => {
    const { outbox, send, sent, state } = setup()
    for (const event of ['a', 'b', 'c']) void outbox.enqueue(push(event))
    let calls = 0
    outbox.flush((event, payload) => (++calls === 2 ? null : send(event, payload)))
    expect({ sent: sent.map((s) => s.event), size: outbox.size, waiting: outbox.waiting }).toEqual({
      sent: ['a'],
      size: 2,
      waiting: 1,
    })
    state.up = false
    outbox.flush(send)
    expect(outbox.size).toBe(2)
    state.up = true
    outbox.flush(send)
    expect(sent.map((s) => s.event)).toEqual(['a', 'b', 'c'])
  })

  test('resolves a push that does not await a reply with "ok" once it is sent, not before', async () => {
    const { outbox, send } = setup()
    const results = track({ a: outbox.enqueue(push('a', { awaitReply: false })) })
    await microtasks()
    expect(results).toEqual({})
    outbox.flush(send)
    await microtasks()
    expect({ results, size: outbox.size, waiting: outbox.waiting }).toEqual({
      results: { a: 'ok' },
      size: 0,
      waiting: 0,
    })
  })

  test('resolves a push that does not await a reply with "timed out" when it never got out', async () => {
    const { clock, outbox } = setup()
    const results = track({ a: outbox.enqueue(push('a', { awaitReply: false, timeoutMs: 100 })) })
    clock.advance(100)
    await microtasks()
    expect(results).toEqual({ a: 'timed out' })
  })

  test('resolves a push whose send throws with "error" and sends the rest', async () => {
    const { outbox, send, sent } = setup()
    const results = track({ a: outbox.enqueue(push('a')), b: outbox.enqueue(push('b', { awaitReply: false })) })
    outbox.flush((event, payload) => {
      if (event === 'a') throw new Error('cannot encode')
      return send(event, payload)
    })
    await microtasks()
    expect({ results, sent: sent.map((s) => s.event) }).toEqual({ results: { a: 'error', b: 'ok' }, sent: ['b'] })
  })

  test('sends a push enqueued from inside send in the same flush, once', () => {
    const { outbox, send, sent } = setup()
    void outbox.enqueue(push('a'))
    outbox.flush((event, payload) => {
      if (event === 'a') {
        void outbox.enqueue(push('b'))
        outbox.flush(send)
      }
      return send(event, payload)
    })
    expect(sent.map((s) => s.event)).toEqual(['a', 'b'])
  })
})

describe('reply', () => {
  test('resolves "ok" for status ok and "error" for any other status', async () => {
    const { outbox, send } = setup()
    const results = track({ a: outbox.enqueue(push('a')), b: outbox.enqueue(push('b')), c: outbox.enqueue(push('c')) })
    outbox.flush(send)
    expect([outbox.reply('2', 'error'), outbox.reply('1', 'ok'), outbox.reply('3', 'timeout')]).toEqual([
      true,
      true,
      true,
    ])
    await microtasks()
    expect({ results, waiting: outbox.waiting }).toEqual({ results: { a: 'ok', b: 'error', c: 'error' }, waiting: 0 })
  })

  test("a refused push sent with persist ends with the server's error text (realtime-js 2.119); others with 'error'", async () => {
    const { outbox, send } = setup()
    const stored = (extra: Record<string, unknown>) =>
      push('broadcast', { payload: { event: 'e', payload: {}, ...extra } })
    const results = track({
      persisted: outbox.enqueue(stored({ persist: true })),
      ttl: outbox.enqueue(stored({ persist: { ttl: 60 } })),
      plain: outbox.enqueue(stored({})),
      noText: outbox.enqueue(stored({ persist: true })),
    })
    outbox.flush(send)
    outbox.reply('1', 'error', { error: 'storage full' })
    outbox.reply('2', 'error', { error: 'ttl over the maximum' })
    outbox.reply('3', 'error', { error: 'ignored without persist' })
    outbox.reply('4', 'error', 'payload_size_exceeded')
    await microtasks()
    expect(results).toEqual({ persisted: 'storage full', ttl: 'ttl over the maximum', plain: 'error', noText: 'error' })
  })

  test('returns false for a ref it does not know, and for a ref already answered', () => {
    const { outbox, send } = setup()
    void outbox.enqueue(push('a'))
    outbox.flush(send)
    expect([outbox.reply('9', 'ok'), outbox.reply('1', 'ok'), outbox.reply('1', 'ok')]).toEqual([false, true, false])
  })

  test('ignores a reply after the push timed out', async () => {
    const { clock, outbox, send } = setup()
    const results = track({ a: outbox.enqueue(push('a', { timeoutMs: 100 })) })
    outbox.flush(send)
    clock.advance(100)
    expect(outbox.reply('1', 'ok')).toBe(false)
    await microtasks()
    expect(results).toEqual({ a: 'timed out' })
  })

  test('runs onReply with the status when the server answers (before the push settles), never on a timeout', async () => {
    const { clock, outbox, send } = setup()
    const seen: string[] = []
    const results = track({
      a: outbox.enqueue(push('a', { onReply: (status) => seen.push(`a:${status}`) })),
      b: outbox.enqueue(push('b', { timeoutMs: 100, onReply: (status) => seen.push(`b:${status}`) })),
      c: outbox.enqueue(
        push('c', {
          onReply: () => {
            throw new Error('hook failed')
          },
        }),
      ),
    })
    outbox.flush(send)
    outbox.reply('1', 'error')
    expect(seen).toEqual(['a:error'])
    clock.advance(100)
    expect(outbox.reply('2', 'ok')).toBe(false)
    outbox.reply('3', 'ok')
    await microtasks()
    expect({ seen, results }).toEqual({ seen: ['a:error'], results: { a: 'error', b: 'timed out', c: 'ok' } })
  })
})

describe('socketDown', () => {
  test('makes sent pushes deaf to their refs; they resolve "timed out" at their deadline', async () => {
    const { clock, outbox, send } = setup()
    const results = track({
      a: outbox.enqueue(push('a', { timeoutMs: 500 })),
      b: outbox.enqueue(push('b', { timeoutMs: 500 })),
    })
    outbox.flush(send)
    void outbox.enqueue(push('queued'))
    outbox.socketDown()
    expect({ reply: outbox.reply('1', 'ok'), size: outbox.size, waiting: outbox.waiting }).toEqual({
      reply: false,
      size: 1,
      waiting: 2,
    })
    clock.advance(500)
    await microtasks()
    expect({ results, size: outbox.size, waiting: outbox.waiting }).toEqual({
      results: { a: 'timed out', b: 'timed out' },
      size: 1,
      waiting: 0,
    })
  })
})

describe('clear', () => {
  test('resolves every queued and waiting push with the result and empties the outbox', async () => {
    const { clock, outbox, send, sent } = setup()
    const results = track({ a: outbox.enqueue(push('a')), b: outbox.enqueue(push('b')) })
    outbox.flush(send)
    track({ c: outbox.enqueue(push('c')) }, results)
    outbox.clear('error')
    await microtasks()
    expect({ results, size: outbox.size, waiting: outbox.waiting }).toEqual({
      results: { a: 'error', b: 'error', c: 'error' },
      size: 0,
      waiting: 0,
    })
    outbox.flush(send)
    clock.advance(60_000)
    expect({ sent: sent.map((s) => s.event), reply: outbox.reply('1', 'ok'), timers: clock.pending() }).toEqual({
      sent: ['a', 'b'],
      reply: false,
      timers: [],
    })
  })

  test('leaves the outbox usable', async () => {
    const { outbox, send } = setup()
    void outbox.enqueue(push('a'))
    outbox.clear('error')
    const results = track({ b: outbox.enqueue(push('b', { awaitReply: false })) })
    outbox.flush(send)
    await microtasks()
    expect(results).toEqual({ b: 'ok' })
  })
})

describe('size and waiting', () => {
  test('count queued pushes and pushes awaiting a reply', () => {
    const { outbox, send } = setup()
    const counts = () => ({ size: outbox.size, waiting: outbox.waiting })
    const seen = [counts()]
    void outbox.enqueue(push('a'))
    void outbox.enqueue(push('b', { awaitReply: false }))
    seen.push(counts())
    outbox.flush(send)
    seen.push(counts())
    void outbox.enqueue(push('c'))
    seen.push(counts())
    outbox.reply('1', 'ok')
    seen.push(counts())
    expect(seen).toEqual([
      { size: 0, waiting: 0 },
      { size: 2, waiting: 0 },
      { size: 0, waiting: 1 },
      { size: 1, waiting: 1 },
      { size: 1, waiting: 0 },
    ])
  })
})

describe('room and isFull', () => {
  test('count the places left before enqueue refuses, sent pushes not counted', async () => {
    const { outbox, send } = setup(2)
    const room = () => ({ room: outbox.room, isFull: outbox.isFull })
    const seen = [room()]
    void outbox.enqueue(push('a'))
    seen.push(room())
    void outbox.enqueue(push('b'))
    seen.push(room())
    const refused = await outbox.enqueue(push('c')).catch((e: unknown) => e)
    outbox.flush(send)
    seen.push(room())
    expect([seen, refused]).toEqual([
      [
        { room: 2, isFull: false },
        { room: 1, isFull: false },
        { room: 0, isFull: true },
        { room: 2, isFull: false },
      ],
      new OutboxFullError('realtime:room', 2),
    ])
  })

  test('an outbox with limit 0 is always full', () => {
    const { outbox } = setup(0)
    expect({ room: outbox.room, isFull: outbox.isFull }).toEqual({ room: 0, isFull: true })
  })
})

describe('constructor', () => {
  test('refuses a limit that is not a whole number ≥ 0', () => {
    const clock = new TestClock()
    expect(() => new Outbox({ topic: 't', clock, limit: -1 })).toThrow(
      new RangeError('Outbox limit must be an integer ≥ 0, got -1'),
    )
  })
})
