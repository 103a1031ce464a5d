// reconnectDelay (full jitter, caps, reconnectAfterMs, rate-limit floor) and rejoinDelay
// (Phoenix's steps), with random pinned.

import { describe, expect, test } from 'vitest'
import {
  RATE_LIMIT_FLOOR_MS,
  RECONNECT_BASE_MS,
  RECONNECT_CAP_MS,
  reconnectDelay,
  rejoinDelay,
  REJOIN_STEPS_MS,
} from './backoff.ts'

describe('reconnectDelay', () => {
  test('doubles from 1 s up to the 30 s cap, scaled by the random draw', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((attempt) => reconnectDelay(attempt, 'normal', 0.5))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000, 15_000,
    ])
  })

  test('spans the whole range [0, ceiling) with full jitter', () => {
    expect([0, 0.25, 0.999_99].map((random) => reconnectDelay(6, 'normal', random))).toEqual([0, 7500, 29_999])
  })

  test('keeps the default base and cap', () => {
    expect([RECONNECT_BASE_MS, RECONNECT_CAP_MS]).toEqual([1000, 30_000])
  })

  test('returns whole milliseconds', () => {
    expect(reconnectDelay(1, 'normal', 0.123_456)).toBe(123)
  })

  test('stays at the cap for a very large attempt', () => {
    expect(reconnectDelay(10_000, 'normal', 0.5)).toBe(15_000)
  })

  test('uses the base and cap of the policy', () => {
    expect([1, 2, 3, 4].map((attempt) => reconnectDelay(attempt, 'normal', 0.5, { baseMs: 100, capMs: 300 }))).toEqual([
      50, 100, 150, 150,
    ])
  })

  test('lets reconnectAfterMs decide, called with the attempt, random ignored', () => {
    const realtimeJs = (tries: number) => [1000, 2000, 5000, 10_000][tries - 1] ?? 10_000
    expect(
      [1, 2, 3, 4, 5].map((attempt) => reconnectDelay(attempt, 'normal', 0.1, { reconnectAfterMs: realtimeJs })),
    ).toEqual([1000, 2000, 5000, 10_000, 10_000])
  })

  test.each([Number.NaN, -1, Number.POSITIVE_INFINITY])(
    'falls back to 1 s when reconnectAfterMs returns %s',
    (value) => {
      expect(reconnectDelay(3, 'normal', 0.5, { reconnectAfterMs: () => value })).toBe(1000)
    },
  )

  test('waits at least RATE_LIMIT_FLOOR_MS after a rate limit', () => {
    expect([0, 0.5].map((random) => reconnectDelay(1, 'rate-limited', random))).toEqual([
      RATE_LIMIT_FLOOR_MS,
      RATE_LIMIT_FLOOR_MS,
    ])
    expect(RATE_LIMIT_FLOOR_MS).toBe(10_000)
  })

  test('keeps a jittered delay above the floor after a rate limit', () => {
    expect(reconnectDelay(6, 'rate-limited', 0.9)).toBe(27_000)
  })

  test('applies the rate-limit floor over reconnectAfterMs', () => {
    expect(reconnectDelay(1, 'rate-limited', 0.5, { reconnectAfterMs: () => 1000 })).toBe(RATE_LIMIT_FLOOR_MS)
  })
})

describe('rejoinDelay', () => {
  test("follows Phoenix's steps 1, 2, 5, 10 s, then stays at 10 s", () => {
    expect([1, 2, 3, 4, 5, 50].map((attempt) => rejoinDelay(attempt, 'normal'))).toEqual([
      1000, 2000, 5000, 10_000, 10_000, 10_000,
    ])
    expect(REJOIN_STEPS_MS).toEqual([1000, 2000, 5000, 10_000])
  })

  test('treats an attempt below 1 as the first', () => {
    expect(rejoinDelay(0, 'normal')).toBe(1000)
  })

  test('waits at least RATE_LIMIT_FLOOR_MS after a rate limit', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => rejoinDelay(attempt, 'rate-limited'))).toEqual([
      10_000, 10_000, 10_000, 10_000, 10_000,
    ])
  })
})
