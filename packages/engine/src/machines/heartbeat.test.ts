// transitionHeartbeat: the transition table row by row (every state × event, no-ops included),
// then RTT reporting, stale replies and sendHeartbeat() semantics, then the monitor run
// over a TestClock by the generic Driver.

import { describe, expect, test } from 'vitest'
import { TestClock } from '../test-clock.ts'
import { Driver } from './driver.ts'
import {
  heartbeatTimerEvent,
  initialHeartbeatState,
  TERMINAL_HEARTBEAT_STATES,
  transitionHeartbeat,
  type HeartbeatContext,
  type HeartbeatEffect,
  type HeartbeatEvent,
  type HeartbeatState,
  type HeartbeatStatus,
  type HeartbeatTimer,
} from './heartbeat.ts'

const NOW = 1_800_000_000_000

const ctx = (overrides: Partial<HeartbeatContext> = {}): HeartbeatContext => ({
  now: NOW,
  ref: '8',
  intervalMs: 25_000,
  timeoutMs: 10_000,
  ...overrides,
})

const states = {
  stopped: { name: 'stopped' },
  idle: { name: 'idle' },
  awaiting: { name: 'awaiting', ref: '7', sentAt: NOW - 3000 },
} satisfies Record<HeartbeatState['name'], HeartbeatState>

type Name = keyof typeof states

const except = (...names: Name[]): Name[] => (Object.keys(states) as Name[]).filter((name) => !names.includes(name))

const startTimer = (timer: HeartbeatTimer, ms: number): HeartbeatEffect => ({ type: 'start-timer', timer, ms })
const cancelTimer = (timer: HeartbeatTimer): HeartbeatEffect => ({ type: 'cancel-timer', timer })
const report = (status: HeartbeatStatus, rttMs?: number): HeartbeatEffect =>
  rttMs === undefined ? { type: 'report', status } : { type: 'report', status, rttMs }
const cancelBoth = [cancelTimer('interval'), cancelTimer('timeout')]
const sent = (ref: string): HeartbeatEffect[] => [{ type: 'send', ref }, report('sent'), startTimer('timeout', 10_000)]
const timedOut: [HeartbeatState, HeartbeatEffect[]] = [
  { name: 'stopped' },
  [...cancelBoth, report('timeout'), { type: 'timed-out' }],
]

describe('initial state', () => {
  test('starts stopped, which is the terminal state', () => {
    expect(initialHeartbeatState).toEqual({ name: 'stopped' })
    expect(TERMINAL_HEARTBEAT_STATES).toEqual(['stopped'])
  })
})

describe('start', () => {
  test('starts the interval timer', () => {
    expect(transitionHeartbeat(states.stopped, { type: 'start' }, ctx())).toEqual([
      { name: 'idle' },
      [startTimer('interval', 25_000)],
    ])
  })

  test.each(except('stopped'))('is a no-op while %s', (name) => {
    expect(transitionHeartbeat(states[name], { type: 'start' }, ctx())).toEqual([states[name], []])
  })
})

describe('stop', () => {
  test.each(except('stopped'))('cancels both timers and reports disconnected while %s', (name) => {
    expect(transitionHeartbeat(states[name], { type: 'stop' }, ctx())).toEqual([
      { name: 'stopped' },
      [...cancelBoth, report('disconnected')],
    ])
  })

  test('is a no-op while stopped', () => {
    expect(transitionHeartbeat(states.stopped, { type: 'stop' }, ctx())).toEqual([states.stopped, []])
  })
})

describe('tick', () => {
  test('sends a heartbeat with the fresh ref, reports sent and starts the timeout', () => {
    expect(transitionHeartbeat(states.idle, { type: 'tick' }, ctx())).toEqual([
      { name: 'awaiting', ref: '8', sentAt: NOW },
      sent('8'),
    ])
  })

  test('times out while awaiting when the timeout is longer than the interval', () => {
    expect(transitionHeartbeat(states.awaiting, { type: 'tick' }, ctx({ timeoutMs: 30_000 }))).toEqual(timedOut)
  })

  test.each([10_000, 25_000])(
    'is a no-op while awaiting when the timeout (%i ms) is not longer than the interval',
    (timeoutMs) => {
      expect(transitionHeartbeat(states.awaiting, { type: 'tick' }, ctx({ timeoutMs }))).toEqual([states.awaiting, []])
    },
  )

  test('is a no-op while stopped', () => {
    expect(transitionHeartbeat(states.stopped, { type: 'tick' }, ctx())).toEqual([states.stopped, []])
  })
})

describe('send-now', () => {
  test('sends at once while idle, in place of the next interval tick', () => {
    expect(transitionHeartbeat(states.idle, { type: 'send-now' }, ctx())).toEqual([
      { name: 'awaiting', ref: '8', sentAt: NOW },
      [cancelTimer('interval'), ...sent('8')],
    ])
  })

  test('times out while a heartbeat is pending (as realtime-js)', () => {
    expect(transitionHeartbeat(states.awaiting, { type: 'send-now' }, ctx())).toEqual(timedOut)
  })

  test('reports disconnected only while stopped', () => {
    expect(transitionHeartbeat(states.stopped, { type: 'send-now' }, ctx())).toEqual([
      states.stopped,
      [report('disconnected')],
    ])
  })
})

describe('reply', () => {
  test('reports ok with the round-trip time and schedules the next heartbeat', () => {
    expect(transitionHeartbeat(states.awaiting, { type: 'reply', ref: '7', status: 'ok' }, ctx())).toEqual([
      { name: 'idle' },
      [cancelTimer('timeout'), report('ok', 3000), startTimer('interval', 25_000)],
    ])
  })

  test.each(['error', 'timeout', ''])('reports error for status %j, with the round-trip time', (status) => {
    expect(transitionHeartbeat(states.awaiting, { type: 'reply', ref: '7', status }, ctx())).toEqual([
      { name: 'idle' },
      [cancelTimer('timeout'), report('error', 3000), startTimer('interval', 25_000)],
    ])
  })

  test('ignores a reply with a stale ref', () => {
    expect(transitionHeartbeat(states.awaiting, { type: 'reply', ref: '6', status: 'ok' }, ctx())).toEqual([
      states.awaiting,
      [],
    ])
  })

  test.each(except('awaiting'))('is a no-op while %s', (name) => {
    expect(transitionHeartbeat(states[name], { type: 'reply', ref: '7', status: 'ok' }, ctx())).toEqual([
      states[name],
      [],
    ])
  })
})

describe('timeout', () => {
  test('reports timeout, stops, and asks the driver to close and reconnect', () => {
    expect(transitionHeartbeat(states.awaiting, { type: 'timeout' }, ctx())).toEqual(timedOut)
  })

  test.each(except('awaiting'))('is a no-op while %s', (name) => {
    expect(transitionHeartbeat(states[name], { type: 'timeout' }, ctx())).toEqual([states[name], []])
  })

  test('is not followed by a second report when the driver stops it as the socket closes', () => {
    const [stopped] = transitionHeartbeat(states.awaiting, { type: 'timeout' }, ctx())
    expect(transitionHeartbeat(stopped, { type: 'stop' }, ctx())).toEqual([{ name: 'stopped' }, []])
  })
})

describe('stale replies', () => {
  test('waits for the awaited ref after a stale one, and ignores the stale one after it', () => {
    const events: Array<[HeartbeatEvent, number]> = [
      [{ type: 'reply', ref: '7', status: 'ok' }, NOW + 10],
      [{ type: 'reply', ref: '8', status: 'ok' }, NOW + 40],
      [{ type: 'reply', ref: '8', status: 'ok' }, NOW + 50],
    ]
    let state = transitionHeartbeat(states.idle, { type: 'tick' }, ctx())[0]
    const effects: HeartbeatEffect[] = []
    for (const [event, now] of events) {
      const [next, more] = transitionHeartbeat(state, event, ctx({ now }))
      state = next
      effects.push(...more)
    }
    expect([state, effects]).toEqual([
      { name: 'idle' },
      [cancelTimer('timeout'), report('ok', 40), startTimer('interval', 25_000)],
    ])
  })
})

describe('over time, with a driver and a TestClock', () => {
  /** The monitor under the generic Driver; the server answers after `rttMs` until `silentFrom`. */
  function drive(clock: TestClock, server: { rttMs: number; silentFrom: number }) {
    const start = clock.now()
    const log: Array<[number, HeartbeatStatus | 'timed-out', number?]> = []
    let nextRef = 1
    const driver: Driver<HeartbeatState, HeartbeatEvent, HeartbeatContext, HeartbeatEffect> = new Driver({
      initial: initialHeartbeatState,
      transition: transitionHeartbeat,
      context: () => ({ now: clock.now(), ref: String(nextRef), intervalMs: 25_000, timeoutMs: 10_000 }),
      timers: { clock, fired: heartbeatTimerEvent },
      perform: (effect) => {
        const t = clock.now() - start
        if (effect.type === 'send') {
          nextRef++
          const reply: HeartbeatEvent = { type: 'reply', ref: effect.ref, status: 'ok' }
          if (t < server.silentFrom) clock.setTimeout(() => driver.dispatch(reply), server.rttMs)
        } else if (effect.type === 'report') {
          log.push(effect.rttMs === undefined ? [t, effect.status] : [t, effect.status, effect.rttMs])
        } else {
          log.push([t, 'timed-out'])
        }
      },
    })
    return {
      get state() {
        return driver.state
      },
      dispatch: (event: HeartbeatEvent) => driver.dispatch(event),
      log,
    }
  }

  test('reports every round trip, then a timeout once the server goes silent, without sleeping', () => {
    const clock = new TestClock()
    const driver = drive(clock, { rttMs: 42, silentFrom: 60_000 })
    driver.dispatch({ type: 'start' })
    clock.advance(3_600_000)
    driver.dispatch({ type: 'stop' })

    expect([driver.state, driver.log, clock.pending()]).toEqual([
      { name: 'stopped' },
      [
        [25_000, 'sent'],
        [25_042, 'ok', 42],
        [50_042, 'sent'],
        [50_084, 'ok', 42],
        [75_084, 'sent'],
        [85_084, 'timeout'],
        [85_084, 'timed-out'],
      ],
      [],
    ])
  })

  test('sends at once on send-now and keeps the usual interval after the reply', () => {
    const clock = new TestClock()
    const driver = drive(clock, { rttMs: 5, silentFrom: Infinity })
    driver.dispatch({ type: 'start' })
    clock.advance(1000)
    driver.dispatch({ type: 'send-now' })
    clock.advance(30_000)
    driver.dispatch({ type: 'stop' })
    driver.dispatch({ type: 'send-now' })

    expect([driver.state, driver.log, clock.pending()]).toEqual([
      { name: 'stopped' },
      [
        [1000, 'sent'],
        [1005, 'ok', 5],
        [26_005, 'sent'],
        [26_010, 'ok', 5],
        [31_000, 'disconnected'],
        [31_000, 'disconnected'],
      ],
      [],
    ])
  })
})
