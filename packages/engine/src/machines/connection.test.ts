// transitionConnection: the transition table row by row (every state × event, no-ops included),
// then the scenarios of issue #4 (double connect, reconnect storm, rate limits, refusals, idle
// disconnect), then the machine run over a TestClock by the generic Driver.

import { describe, expect, test } from 'vitest'
import { RATE_LIMIT_FLOOR_MS, type ReconnectPolicy } from '../backoff.ts'
import { TestClock } from '../test-clock.ts'
import {
  connectionTimerEvent,
  initialConnectionState,
  TERMINAL_CONNECTION_STATES,
  transitionConnection,
  type ConnectionContext,
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
  type ConnectionTimer,
} from './connection.ts'
import { Driver } from './driver.ts'

const NOW = 1_800_000_000_000

const ctx = (overrides: Partial<ConnectionContext> = {}): ConnectionContext => ({
  now: NOW,
  random: 0.5,
  channelCount: 1,
  idleAfterMs: 50_000,
  policy: {},
  ...overrides,
})

const states = {
  disconnected: { name: 'disconnected' },
  connecting: { name: 'connecting', attempt: 3 },
  connected: { name: 'connected' },
  reconnecting: {
    name: 'reconnecting',
    attempt: 2,
    retryAt: NOW + 1000,
    lastError: { kind: 'closed', code: 1006, reason: '' },
  },
  failed: { name: 'failed', error: { kind: 'refused', status: 401 } },
} satisfies Record<ConnectionState['name'], ConnectionState>

type Name = keyof typeof states

const except = (...names: Name[]): Name[] => (Object.keys(states) as Name[]).filter((name) => !names.includes(name))

const open: ConnectionEffect = { type: 'open' }
const close = (reason: string): ConnectionEffect => ({ type: 'close', code: 1000, reason })
const startTimer = (timer: ConnectionTimer, ms: number): ConnectionEffect => ({ type: 'start-timer', timer, ms })
const cancelTimer = (timer: ConnectionTimer): ConnectionEffect => ({ type: 'cancel-timer', timer })

/** Applies events in order; returns the last state and every effect on the way. */
function run(
  state: ConnectionState,
  events: ConnectionEvent[],
  context: ConnectionContext = ctx(),
): [ConnectionState, ConnectionEffect[]] {
  const all: ConnectionEffect[] = []
  for (const event of events) {
    const [next, effects] = transitionConnection(state, event, context)
    state = next
    all.push(...effects)
  }
  return [state, all]
}

describe('initial state', () => {
  test('starts disconnected, which is a terminal state', () => {
    expect(initialConnectionState).toEqual({ name: 'disconnected' })
    expect(TERMINAL_CONNECTION_STATES).toEqual(['disconnected', 'failed'])
  })
})

describe('connect', () => {
  test('opens a socket from disconnected', () => {
    expect(transitionConnection(states.disconnected, { type: 'connect' }, ctx())).toEqual([
      { name: 'connecting', attempt: 1 },
      [open],
    ])
  })

  test('starts over at attempt 1 from failed', () => {
    expect(transitionConnection(states.failed, { type: 'connect' }, ctx())).toEqual([
      { name: 'connecting', attempt: 1 },
      [open],
    ])
  })

  test.each(['connecting', 'connected'] as const)('is a no-op while %s (one connect at a time)', (name) => {
    expect(transitionConnection(states[name], { type: 'connect' }, ctx())).toEqual([states[name], []])
  })

  test('while reconnecting, tries at once instead of waiting out the backoff (the network is back)', () => {
    expect(transitionConnection(states.reconnecting, { type: 'connect' }, ctx())).toEqual([
      { name: 'connecting', attempt: 3 },
      [cancelTimer('retry'), open],
    ])
  })

  test.each([
    ['a 1001 close', { kind: 'closed', code: 1001, reason: 'ClientJoinRateLimitReached' }],
    ['a 429 refusal', { kind: 'refused', status: 429 }],
  ] as const)('while backing off after %s, waits: the server asked to slow down', (_name, lastError) => {
    const limited: ConnectionState = { ...states.reconnecting, lastError }
    expect(transitionConnection(limited, { type: 'connect' }, ctx())).toEqual([limited, []])
  })

  test('opens one socket only when called twice', () => {
    expect(run(initialConnectionState, [{ type: 'connect' }, { type: 'connect' }])).toEqual([
      { name: 'connecting', attempt: 1 },
      [open],
    ])
  })

  test('opens one socket only when called again after the socket opened', () => {
    expect(run(initialConnectionState, [{ type: 'connect' }, { type: 'opened' }, { type: 'connect' }])).toEqual([
      { name: 'connected' },
      [open],
    ])
  })
})

describe('disconnect', () => {
  test('closes the socket being opened', () => {
    expect(transitionConnection(states.connecting, { type: 'disconnect' }, ctx())).toEqual([
      { name: 'disconnected' },
      [close('disconnect')],
    ])
  })

  test('closes the open socket and cancels the idle timer', () => {
    expect(transitionConnection(states.connected, { type: 'disconnect' }, ctx())).toEqual([
      { name: 'disconnected' },
      [close('disconnect'), cancelTimer('idle')],
    ])
  })

  test('cancels the pending retry while reconnecting', () => {
    expect(transitionConnection(states.reconnecting, { type: 'disconnect' }, ctx())).toEqual([
      { name: 'disconnected' },
      [cancelTimer('retry')],
    ])
  })

  test('leaves failed for disconnected with nothing to close', () => {
    expect(transitionConnection(states.failed, { type: 'disconnect' }, ctx())).toEqual([{ name: 'disconnected' }, []])
  })

  test('is a no-op while disconnected', () => {
    expect(transitionConnection(states.disconnected, { type: 'disconnect' }, ctx())).toEqual([states.disconnected, []])
  })
})

describe('opened', () => {
  test('connects with nothing else to do while channels are wanted', () => {
    expect(transitionConnection(states.connecting, { type: 'opened' }, ctx({ channelCount: 2 }))).toEqual([
      { name: 'connected' },
      [],
    ])
  })

  test('starts the idle timer when no channel is wanted', () => {
    expect(transitionConnection(states.connecting, { type: 'opened' }, ctx({ channelCount: 0 }))).toEqual([
      { name: 'connected' },
      [startTimer('idle', 50_000)],
    ])
  })

  test('closes at once when no channel is wanted and idleAfterMs is 0', () => {
    expect(
      transitionConnection(states.connecting, { type: 'opened' }, ctx({ channelCount: 0, idleAfterMs: 0 })),
    ).toEqual([{ name: 'disconnected' }, [close('idle')]])
  })

  test.each(except('connecting'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], { type: 'opened' }, ctx())).toEqual([states[name], []])
  })
})

describe('closed', () => {
  const closed = { type: 'closed', code: 1006, reason: 'abnormal' } as const
  const lastError = { kind: 'closed', code: 1006, reason: 'abnormal' } as const

  test('retries a socket that did not open, counting consecutive failures, with a jittered delay', () => {
    // 3rd failure in a row: 0.5 × 1000 × 2^2
    expect(transitionConnection(states.connecting, closed, ctx())).toEqual([
      { name: 'reconnecting', attempt: 3, retryAt: NOW + 2000, lastError },
      [startTimer('retry', 2000)],
    ])
  })

  test('reconnects after a close with a jittered delay, from attempt 1', () => {
    expect(transitionConnection(states.connected, closed, ctx())).toEqual([
      { name: 'reconnecting', attempt: 1, retryAt: NOW + 500, lastError },
      [cancelTimer('idle'), startTimer('retry', 500)],
    ])
  })

  test('waits at least RATE_LIMIT_FLOOR_MS after a close with code 1001', () => {
    expect(
      transitionConnection(states.connected, { type: 'closed', code: 1001, reason: 'slow down' }, ctx({ random: 0 })),
    ).toEqual([
      {
        name: 'reconnecting',
        attempt: 1,
        retryAt: NOW + RATE_LIMIT_FLOOR_MS,
        lastError: { kind: 'closed', code: 1001, reason: 'slow down' },
      },
      [cancelTimer('idle'), startTimer('retry', RATE_LIMIT_FLOOR_MS)],
    ])
  })

  test.each(except('connecting', 'connected'))('is a no-op while %s (a late close of an old socket)', (name) => {
    expect(transitionConnection(states[name], closed, ctx())).toEqual([states[name], []])
  })
})

describe('refused', () => {
  test.each([401, 403, 404])('fails on status %i: the same upgrade would be refused again', (status) => {
    expect(transitionConnection(states.connecting, { type: 'refused', status }, ctx())).toEqual([
      { name: 'failed', error: { kind: 'refused', status } },
      [close('refused')],
    ])
  })

  test('fails on 401 while connected and cancels the idle timer', () => {
    expect(transitionConnection(states.connected, { type: 'refused', status: 401 }, ctx())).toEqual([
      { name: 'failed', error: { kind: 'refused', status: 401 } },
      [close('refused'), cancelTimer('idle')],
    ])
  })

  test('retries on another status, the first failure waiting reconnectDelay(1)', () => {
    expect(transitionConnection({ name: 'connecting', attempt: 1 }, { type: 'refused', status: 503 }, ctx())).toEqual([
      { name: 'reconnecting', attempt: 1, retryAt: NOW + 500, lastError: { kind: 'refused', status: 503 } },
      [close('refused'), startTimer('retry', 500)],
    ])
  })

  test('waits at least RATE_LIMIT_FLOOR_MS after status 429', () => {
    expect(transitionConnection({ name: 'connecting', attempt: 1 }, { type: 'refused', status: 429 }, ctx())).toEqual([
      {
        name: 'reconnecting',
        attempt: 1,
        retryAt: NOW + RATE_LIMIT_FLOOR_MS,
        lastError: { kind: 'refused', status: 429 },
      },
      [close('refused'), startTimer('retry', RATE_LIMIT_FLOOR_MS)],
    ])
  })

  test.each(except('connecting', 'connected'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], { type: 'refused', status: 401 }, ctx())).toEqual([states[name], []])
  })

  test('stays failed until connect, which starts over at attempt 1 with one socket', () => {
    const [failed] = run(initialConnectionState, [{ type: 'connect' }, { type: 'refused', status: 403 }])
    expect(
      run(failed, [
        { type: 'retry-due' },
        { type: 'closed', code: 1006, reason: '' },
        { type: 'channels' },
        { type: 'connect' },
      ]),
    ).toEqual([{ name: 'connecting', attempt: 1 }, [open]])
  })
})

describe('transport-error', () => {
  const error = { type: 'transport-error', message: 'bad URL' } as const

  test('is treated like a close of the socket being opened', () => {
    expect(transitionConnection({ name: 'connecting', attempt: 1 }, error, ctx())).toEqual([
      {
        name: 'reconnecting',
        attempt: 1,
        retryAt: NOW + 500,
        lastError: { kind: 'transport-error', message: 'bad URL' },
      },
      [close('transport error'), startTimer('retry', 500)],
    ])
  })

  test('is treated like a close of the open socket', () => {
    expect(transitionConnection(states.connected, error, ctx())).toEqual([
      {
        name: 'reconnecting',
        attempt: 1,
        retryAt: NOW + 500,
        lastError: { kind: 'transport-error', message: 'bad URL' },
      },
      [close('transport error'), cancelTimer('idle'), startTimer('retry', 500)],
    ])
  })

  test.each(except('connecting', 'connected'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], error, ctx())).toEqual([states[name], []])
  })
})

describe('heartbeat-timeout', () => {
  test('closes the socket and reconnects from attempt 1', () => {
    expect(transitionConnection(states.connected, { type: 'heartbeat-timeout' }, ctx())).toEqual([
      { name: 'reconnecting', attempt: 1, retryAt: NOW + 500, lastError: { kind: 'heartbeat-timeout' } },
      [close('heartbeat timeout'), cancelTimer('idle'), startTimer('retry', 500)],
    ])
  })

  test('ignores the close that the heartbeat timeout caused', () => {
    const [reconnecting] = transitionConnection(states.connected, { type: 'heartbeat-timeout' }, ctx())
    expect(
      transitionConnection(reconnecting, { type: 'closed', code: 1000, reason: 'heartbeat timeout' }, ctx()),
    ).toEqual([reconnecting, []])
  })

  test.each(except('connected'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], { type: 'heartbeat-timeout' }, ctx())).toEqual([states[name], []])
  })
})

describe('retry-due', () => {
  test('opens a socket for the next try', () => {
    expect(transitionConnection(states.reconnecting, { type: 'retry-due' }, ctx())).toEqual([
      { name: 'connecting', attempt: 3 },
      [open],
    ])
  })

  test.each(except('reconnecting'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], { type: 'retry-due' }, ctx())).toEqual([states[name], []])
  })
})

describe('channels', () => {
  test('starts the idle timer when the last channel leaves', () => {
    expect(transitionConnection(states.connected, { type: 'channels' }, ctx({ channelCount: 0 }))).toEqual([
      states.connected,
      [startTimer('idle', 50_000)],
    ])
  })

  test('closes at once when the last channel leaves and idleAfterMs is 0', () => {
    expect(
      transitionConnection(states.connected, { type: 'channels' }, ctx({ channelCount: 0, idleAfterMs: 0 })),
    ).toEqual([{ name: 'disconnected' }, [close('idle')]])
  })

  test('cancels the idle timer when a channel is wanted again', () => {
    expect(transitionConnection(states.connected, { type: 'channels' }, ctx({ channelCount: 1 }))).toEqual([
      states.connected,
      [cancelTimer('idle')],
    ])
  })

  test.each(except('connected').flatMap((name) => [0, 3].map((count) => [name, count] as const)))(
    'is a no-op while %s with %i channels (nothing starts by itself)',
    (name, count) => {
      expect(transitionConnection(states[name], { type: 'channels' }, ctx({ channelCount: count }))).toEqual([
        states[name],
        [],
      ])
    },
  )
})

describe('idle-due', () => {
  test('closes the idle socket and disconnects', () => {
    expect(transitionConnection(states.connected, { type: 'idle-due' }, ctx({ channelCount: 0 }))).toEqual([
      { name: 'disconnected' },
      [close('idle')],
    ])
  })

  test('is a no-op when a channel is wanted again (a stale timer)', () => {
    expect(transitionConnection(states.connected, { type: 'idle-due' }, ctx({ channelCount: 1 }))).toEqual([
      states.connected,
      [],
    ])
  })

  test.each(except('connected'))('is a no-op while %s', (name) => {
    expect(transitionConnection(states[name], { type: 'idle-due' }, ctx({ channelCount: 0 }))).toEqual([
      states[name],
      [],
    ])
  })

  test('does not reconnect by itself after an idle disconnect', () => {
    const [idle] = run(states.connected, [{ type: 'channels' }, { type: 'idle-due' }], ctx({ channelCount: 0 }))
    expect(
      run(idle, [{ type: 'channels' }, { type: 'retry-due' }, { type: 'opened' }], ctx({ channelCount: 2 })),
    ).toEqual([{ name: 'disconnected' }, []])
  })
})

describe('reconnect storm', () => {
  /** Drops the socket `tries` times in a row, from connected; returns [attempt, delay] per retry. */
  function storm(
    tries: number,
    context: ConnectionContext,
    first: ConnectionEvent = { type: 'closed', code: 1006, reason: '' },
  ) {
    const retries: Array<[number, number]> = []
    let state: ConnectionState = states.connected
    for (let i = 0; i < tries; i++) {
      const [next, effects] = transitionConnection(
        state,
        i === 0 ? first : { type: 'closed', code: 1006, reason: '' },
        context,
      )
      if (next.name !== 'reconnecting') throw new Error(`expected reconnecting, got ${next.name}`)
      const timer = effects.find((effect) => effect.type === 'start-timer')
      retries.push([next.attempt, timer?.type === 'start-timer' ? timer.ms : -1])
      expect(next.retryAt).toBe(NOW + (retries.at(-1)?.[1] ?? 0))
      state = transitionConnection(next, { type: 'retry-due' }, context)[0]
    }
    return retries
  }

  test('grows the attempt and doubles the jittered delay up to the 30 s cap', () => {
    // random pinned at 0.5: half of min(30 s, 1 s × 2^(attempt-1))
    expect(storm(8, ctx())).toEqual([
      [1, 500],
      [2, 1000],
      [3, 2000],
      [4, 4000],
      [5, 8000],
      [6, 15_000],
      [7, 15_000],
      [8, 15_000],
    ])
  })

  test('never waits 30 s or more, whatever the random draw', () => {
    expect(
      storm(12, ctx({ random: 0.999_99 }))
        .map(([, ms]) => ms)
        .at(-1),
    ).toBe(29_999)
    expect(storm(3, ctx({ random: 0 }))).toEqual([
      [1, 0],
      [2, 0],
      [3, 0],
    ])
  })

  test('raises only the delay after the rate-limit close to RATE_LIMIT_FLOOR_MS', () => {
    expect(storm(3, ctx(), { type: 'closed', code: 1001, reason: '' })).toEqual([
      [1, RATE_LIMIT_FLOOR_MS],
      [2, 1000],
      [3, 2000],
    ])
  })

  test('lets reconnectAfterMs decide the delay, random ignored', () => {
    const tries: number[] = []
    const policy: ReconnectPolicy = {
      reconnectAfterMs: (n) => {
        tries.push(n)
        return [1000, 2000, 5000, 10_000][n - 1] ?? 10_000
      },
    }
    expect(storm(5, ctx({ policy, random: 0.9 }))).toEqual([
      [1, 1000],
      [2, 2000],
      [3, 5000],
      [4, 10_000],
      [5, 10_000],
    ])
    expect(tries).toEqual([1, 2, 3, 4, 5])
  })

  test('keeps the rate-limit floor over reconnectAfterMs', () => {
    expect(
      storm(2, ctx({ policy: { reconnectAfterMs: () => 100 } }), { type: 'closed', code: 1001, reason: '' }),
    ).toEqual([
      [1, RATE_LIMIT_FLOOR_MS],
      [2, 100],
    ])
  })

  test('starts again from attempt 1 after a successful open', () => {
    const [state] = run(states.connected, [
      { type: 'closed', code: 1006, reason: '' },
      { type: 'retry-due' },
      { type: 'closed', code: 1006, reason: '' },
      { type: 'retry-due' },
      { type: 'opened' },
    ])
    expect(transitionConnection(state, { type: 'closed', code: 1006, reason: '' }, ctx())).toEqual([
      { name: 'reconnecting', attempt: 1, retryAt: NOW + 500, lastError: { kind: 'closed', code: 1006, reason: '' } },
      [cancelTimer('idle'), startTimer('retry', 500)],
    ])
  })
})

describe('over time, with a driver and a TestClock', () => {
  /** The machine under the generic Driver, its timers on the TestClock; the network is up from `upAt`. */
  function drive(clock: TestClock, network: { upAt: number }) {
    const start = clock.now()
    const log: Array<[number, string]> = []
    const demand = { channelCount: 1 }
    const driver: Driver<ConnectionState, ConnectionEvent, ConnectionContext, ConnectionEffect> = new Driver({
      initial: initialConnectionState,
      transition: transitionConnection,
      context: () => ({ ...ctx({ now: clock.now() }), channelCount: demand.channelCount }),
      timers: { clock, fired: connectionTimerEvent },
      perform: (effect, next) => {
        if (effect.type === 'open') {
          log.push([clock.now() - start, `open #${next.name === 'connecting' ? next.attempt : '?'}`])
          const up = () => clock.now() - start >= network.upAt
          const answer: ConnectionEvent = up() ? { type: 'opened' } : { type: 'closed', code: 1006, reason: '' }
          clock.setTimeout(() => driver.dispatch(answer), 100)
        } else {
          log.push([clock.now() - start, `close ${effect.reason}`])
        }
      },
    })
    return {
      get state() {
        return driver.state
      },
      set channelCount(n: number) {
        demand.channelCount = n
      },
      dispatch: (event: ConnectionEvent) => driver.dispatch(event),
      log,
    }
  }

  test('retries through an outage, connects, and closes once idle without sleeping', () => {
    const clock = new TestClock()
    const driver = drive(clock, { upAt: 10_000 })
    driver.dispatch({ type: 'connect' })
    driver.dispatch({ type: 'connect' })
    clock.advance(20_000)
    expect(driver.state).toEqual({ name: 'connected' })

    driver.channelCount = 0
    driver.dispatch({ type: 'channels' })
    clock.advance(49_999)
    expect(driver.state).toEqual({ name: 'connected' })
    clock.advance(1)
    clock.advance(3_600_000)

    expect([driver.state, driver.log]).toEqual([
      { name: 'disconnected' },
      [
        [0, 'open #1'],
        [600, 'open #2'],
        [1700, 'open #3'],
        [3800, 'open #4'],
        [7900, 'open #5'],
        [16_000, 'open #6'],
        [70_000, 'close idle'],
      ],
    ])
    expect(clock.pending()).toEqual([])
  })

  test('keeps the socket while a channel comes back before the idle timer fires', () => {
    const clock = new TestClock()
    const driver = drive(clock, { upAt: 0 })
    driver.dispatch({ type: 'connect' })
    clock.advance(100)
    driver.channelCount = 0
    driver.dispatch({ type: 'channels' })
    clock.advance(30_000)
    driver.channelCount = 1
    driver.dispatch({ type: 'channels' })
    clock.advance(3_600_000)
    expect([driver.state, driver.log, clock.pending()]).toEqual([{ name: 'connected' }, [[0, 'open #1']], []])
  })
})
