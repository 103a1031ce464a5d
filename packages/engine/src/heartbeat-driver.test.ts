import { describe, expect, test } from 'vitest'
import { HeartbeatDriver, RTT_HISTORY } from './heartbeat-driver.ts'
import { TestClock } from './test-clock.ts'

describe('HeartbeatDriver', () => {
  /** A driver whose server answers each heartbeat after `rtt(n)` ms (n counts from 0). */
  function driver(rtt: (n: number) => number) {
    const clock = new TestClock()
    let ref = 1
    let sent = 0
    const reports: Array<[string, number | undefined]> = []
    const hb: HeartbeatDriver = new HeartbeatDriver({
      clock,
      intervalMs: 25_000,
      timeoutMs: 10_000,
      peekRef: () => String(ref),
      takeRef: () => void ref++,
      sendHeartbeat: (r) => {
        const n = sent++
        clock.setTimeout(() => hb.dispatch({ type: 'reply', ref: r, status: 'ok' }), rtt(n))
      },
      report: (status, rttMs) => reports.push([status, rttMs]),
      timedOut: () => undefined,
    })
    return { clock, hb, reports }
  }

  test('keeps the last RTT_HISTORY round trips, oldest first, for a chart in a tab opened later', () => {
    const { clock, hb } = driver((n) => 10 + n)
    expect(hb.recentRttMs).toEqual([])
    hb.dispatch({ type: 'start' })
    hb.dispatch({ type: 'send-now' })
    clock.advance(100)
    expect(hb.recentRttMs).toEqual([10])
    expect(hb.lastRttMs).toBe(10)
    for (let i = 0; i < RTT_HISTORY + 5; i++) clock.advance(25_000)
    const recent = hb.recentRttMs
    expect(recent).toHaveLength(RTT_HISTORY)
    expect(recent.at(-1)).toBe(hb.lastRttMs)
    expect(recent).toEqual(recent.toSorted((a, b) => a - b)) // oldest (smallest here) first
    recent.length = 0 // a copy: the driver's history is untouched
    expect(hb.recentRttMs).toHaveLength(RTT_HISTORY)
  })
})
