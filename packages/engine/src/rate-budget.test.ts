// RateBudget and SocketGuard on a TestClock: the token bucket behind the socket's guards, and the
// guards' own decisions (payload size, join pacing, the send queue's turns, the channel limit).

import { createSerializer } from '@shared-realtime/protocol'
import { describe, expect, test } from 'vitest'
import { DEFAULT_GUARD_LIMITS, guardLimits, PayloadTooLargeError, SocketGuard, utf8Length } from './guards.ts'
import { RateBudget } from './rate-budget.ts'
import { TestClock } from './test-clock.ts'

function budget(perSecond: number, burst: number) {
  const clock = new TestClock()
  const refills: number[] = []
  const start = clock.now()
  const b = new RateBudget({ clock, perSecond, burst, refilled: () => refills.push(clock.now() - start) })
  return { clock, b, refills }
}

describe('RateBudget', () => {
  test('starts with `burst` tokens and refuses once they are spent', () => {
    const { b } = budget(50, 3)
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false])
    expect(b.tokens).toBe(0)
  })

  test('refills `perSecond` per second, never above `burst`', () => {
    const { clock, b } = budget(50, 3)
    for (let i = 0; i < 3; i++) b.take()
    clock.advance(19)
    expect(b.available).toBe(false)
    clock.advance(1)
    expect(b.tokens).toBe(1)
    clock.advance(10_000)
    expect(b.tokens).toBe(3)
  })

  test('wait() calls `refilled` once, when the next whole token is due; a second wait() adds no timer', () => {
    const { clock, b, refills } = budget(50, 1)
    b.take()
    b.wait()
    b.wait()
    expect(clock.pending()).toEqual([20])
    expect(b.waiting).toBe(true)
    clock.advance(100)
    expect(refills).toEqual([20])
    expect(b.waiting).toBe(false)
    expect(b.take()).toBe(true)
  })

  test('paced over time: 1000 takes at 50/s with a burst of 10 end at 19.8 s, at most 60 in any second', () => {
    const clock = new TestClock()
    const start = clock.now()
    const times: number[] = []
    // driven as the guard drives it: each refill takes what is there, then waits again
    const run = () => {
      while (times.length < 1000 && b.take()) times.push(clock.now() - start)
      if (times.length < 1000) b.wait()
    }
    const b = new RateBudget({ clock, perSecond: 50, burst: 10, refilled: run })
    run()
    clock.advance(60_000)
    expect(times).toHaveLength(1000)
    expect(times.slice(0, 12)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 20, 40])
    expect(times.at(-1)).toBe(19_800)
    for (let i = 60; i < times.length; i++) expect(times[i]! - times[i - 60]!).toBeGreaterThanOrEqual(1000)
  })

  test('Infinity turns it off; bad rates and bursts are refused', () => {
    const { b } = budget(Infinity, 1)
    for (let i = 0; i < 1000; i++) expect(b.take()).toBe(true)
    expect(() => budget(0, 1)).toThrow('a rate must be > 0 per second, got 0')
    expect(() => budget(10, 0.5)).toThrow('a burst must be an integer ≥ 1, got 0.5')
  })
})

describe('SocketGuard', () => {
  const serializer = createSerializer('2.0.0')
  function guard(limits: Partial<typeof DEFAULT_GUARD_LIMITS> = {}) {
    const clock = new TestClock()
    const refilled: number[] = []
    const g = new SocketGuard({
      clock,
      limits: { ...DEFAULT_GUARD_LIMITS, ...limits },
      serializer,
      joinsRefilled: () => refilled.push(clock.now()),
    })
    return { clock, g, refilled }
  }

  test('refuses a frame over maxPayloadBytes, naming its size, the limit and what to do', () => {
    const { g } = guard({ maxPayloadBytes: 100 })
    const message = (text: string) => ({
      join_ref: '1',
      ref: '2',
      topic: 'realtime:room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: { text } },
    })
    expect(() => g.checkSize(message('é'.repeat(10)), 'a broadcast')).not.toThrow()
    let error: unknown
    try {
      g.checkSize(message('é'.repeat(40)), 'a broadcast')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(PayloadTooLargeError)
    expect(error).toMatchObject({ kind: 'payload-too-large', topic: 'realtime:room', bytes: 114, limit: 100 })
    expect((error as Error).message).toBe(
      'a broadcast on "realtime:room" is 114 bytes once encoded, over the limit of 100 (EngineOptions.maxPayloadBytes, ' +
        "under the server's max_payload_size_in_kb): send less, or split it",
    )
    expect(g.counters.tooLarge).toBe(1)
  })

  test('utf8Length counts UTF-8 bytes as the wire does', () => {
    for (const text of ['', 'abc', 'é', '€', '😀', 'a😀é€', '\ud800x', '\udc00'])
      expect(utf8Length(text)).toBe(Buffer.byteLength(text))
  })

  test('joins: mayJoin is false once the burst is spent, and joinsRefilled comes when a token is back', () => {
    const { clock, g, refilled } = guard({ joinsPerSecond: 10, joinBurst: 2 })
    const start = clock.now()
    const sent: boolean[] = []
    for (let i = 0; i < 3; i++) {
      const may = g.mayJoin()
      sent.push(may)
      if (may) g.joined()
    }
    expect(sent).toEqual([true, true, false])
    clock.advance(1000)
    expect(refilled).toEqual([start + 100])
    expect(g.counters.joinsDelayed).toBe(1)
  })

  test('sends: channels waiting for the budget are served in turn, one push each', () => {
    const { clock, g } = guard({ sendsPerSecond: 10, sendBurst: 1 })
    const order: string[] = []
    const channel = (name: string, pushes: number) => {
      const w = {
        left: pushes,
        flushOutbox(): void {
          while (w.left > 0 && g.maySend(w)) {
            g.sent(w)
            w.left--
            order.push(name)
          }
        },
      }
      return w
    }
    const a = channel('a', 4)
    const b = channel('b', 2)
    const c = channel('c', 2)
    a.flushOutbox()
    b.flushOutbox()
    c.flushOutbox()
    expect(order).toEqual(['a'])
    clock.advance(1000)
    expect(order).toEqual(['a', 'a', 'b', 'c', 'a', 'b', 'c', 'a'])
    expect(g.snapshot()).toMatchObject({ channelsWaitingToSend: 0, sendsDelayed: 7 })
  })

  test('channels: the one past maxChannels is refused, typed and not retryable', () => {
    const { g } = guard({ maxChannels: 2 })
    expect(g.channelRefusal('realtime:b', 1)).toBeUndefined()
    expect(g.channelRefusal('realtime:c', 2)).toEqual({
      kind: 'too-many-channels',
      message:
        'cannot join "realtime:c": this socket already has 2 channels, the limit per socket ' +
        "(EngineOptions.maxChannels, the server's max_channels_per_client): remove a channel first",
      retryable: false,
    })
  })

  test('guardLimits: defaults, overrides, Infinity, and a clear error for a bad value', () => {
    expect(guardLimits({})).toEqual(DEFAULT_GUARD_LIMITS)
    expect(guardLimits({ sendsPerSecond: 2.5, maxChannels: Infinity })).toMatchObject({
      sendsPerSecond: 2.5,
      maxChannels: Infinity,
    })
    expect(() => guardLimits({ maxChannels: 0 })).toThrow(
      'EngineOptions.maxChannels must be an integer ≥ 1 (or Infinity), got 0',
    )
    expect(() => guardLimits({ joinsPerSecond: Number.NaN })).toThrow(
      'EngineOptions.joinsPerSecond must be a number ≥ 1',
    )
    expect(() => guardLimits({ joinBurst: 1.5 })).toThrow('EngineOptions.joinBurst must be an integer')
  })
})
