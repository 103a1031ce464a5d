// transitionSupervisor: the transition table row by row (every state × event, no-ops included),
// each as the whole [state, effects] it returns.

import { describe, expect, test } from 'vitest'
import {
  initialSupervisorState,
  recoveryDelay,
  type SupervisorContext,
  type SupervisorEffect,
  type SupervisorEvent,
  type SupervisorState,
  TERMINAL_SUPERVISOR_STATES,
  transitionSupervisor,
} from './supervisor-machine.ts'

const NOW = 1_800_000_000_000

type Conn = { instance: string }
const c1: Conn = { instance: 'w1' }
const c2: Conn = { instance: 'w2' }

const ctx = (overrides: Partial<SupervisorContext> = {}): SupervisorContext => ({
  now: NOW,
  id: 7,
  probeMs: 15_000,
  ...overrides,
})

const states = {
  detached: { name: 'detached' },
  attaching: { name: 'attaching', open: 3 },
  live: { name: 'live', connection: c1 },
  recovering: { name: 'recovering', attempt: 2, open: 3 },
  waiting: { name: 'waiting', attempt: 2, retryAt: NOW + 1000 },
  hidden: { name: 'hidden' },
} satisfies Record<SupervisorState<Conn>['name'], SupervisorState<Conn>>

type Name = keyof typeof states

const except = (...names: Name[]): Name[] => (Object.keys(states) as Name[]).filter((name) => !names.includes(name))

const step = (name: Name, event: SupervisorEvent<Conn>, context = ctx()) =>
  transitionSupervisor<Conn>(states[name], event, context)

type Timer = 'retry' | 'probe'
const startTimer = (timer: Timer, ms: number): SupervisorEffect<Conn> => ({ type: 'start-timer', timer, ms })
const cancelTimer = (timer: Timer): SupervisorEffect<Conn> => ({ type: 'cancel-timer', timer })
const open = (id: number, replay: boolean): SupervisorEffect<Conn> => ({ type: 'open', id, replay })
const close = (connection: Conn): SupervisorEffect<Conn> => ({ type: 'close', connection })
/** What entering detached does (after `leave` from live). */
const leaving = (error?: unknown): SupervisorEffect<Conn>[] => [
  cancelTimer('retry'),
  cancelTimer('probe'),
  { type: 'unlisten-page' },
  { type: 'forget' },
  error === undefined ? { type: 'reject-waiters' } : { type: 'reject-waiters', error },
]

describe('initial state', () => {
  test('starts detached, the only terminal state', () => {
    expect(initialSupervisorState).toEqual({ name: 'detached' })
    expect(TERMINAL_SUPERVISOR_STATES).toEqual(['detached'])
  })

  test('waits 0, 250, 1000, 2000, 5000, then 10 000 ms before each recovery attempt', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 50].map(recoveryDelay)).toEqual([0, 250, 1000, 2000, 5000, 10_000, 10_000, 10_000])
  })
})

describe('attach', () => {
  test('opens the first connection from detached and listens to the page', () => {
    expect(step('detached', { type: 'attach' })).toEqual([
      { name: 'attaching', open: 7 },
      [{ type: 'listen-page' }, open(7, false)],
    ])
  })

  test.each(except('detached'))('is a no-op while %s (the Supervisor detaches first)', (name) => {
    expect(step(name, { type: 'attach' })).toEqual([states[name], []])
  })
})

describe('opened', () => {
  test('the first attach goes live: watch the worker, arm the probe, hand the waiting commands the connection', () => {
    expect(step('attaching', { type: 'opened', id: 3, connection: c2 })).toEqual([
      { name: 'live', connection: c2 },
      [{ type: 'watch', connection: c2 }, startTimer('probe', 15_000), { type: 'resolve-waiters', connection: c2 }],
    ])
  })

  test('a recovery goes live and delivers resubscribed before the waiting commands resume', () => {
    expect(step('recovering', { type: 'opened', id: 3, connection: c2 })).toEqual([
      { name: 'live', connection: c2 },
      [
        { type: 'watch', connection: c2 },
        startTimer('probe', 15_000),
        { type: 'resubscribed' },
        { type: 'resolve-waiters', connection: c2 },
      ],
    ])
  })

  test('arms no probe when probing is off', () => {
    expect(step('attaching', { type: 'opened', id: 3, connection: c2 }, ctx({ probeMs: 0 }))).toEqual([
      { name: 'live', connection: c2 },
      [
        { type: 'watch', connection: c2 },
        { type: 'resolve-waiters', connection: c2 },
      ],
    ])
  })

  test.each(['attaching', 'recovering'] as const)('closes a connection of an older open while %s', (name) => {
    expect(step(name, { type: 'opened', id: 2, connection: c2 })).toEqual([states[name], [close(c2)]])
  })

  test.each(except('attaching', 'recovering'))('closes the connection while %s (nobody waits for it)', (name) => {
    expect(step(name, { type: 'opened', id: 3, connection: c2 })).toEqual([states[name], [close(c2)]])
  })
})

describe('open-failed', () => {
  test('a first attach that fails ends detached, and the waiters hear its error', () => {
    const error = new Error('no worker')
    expect(step('attaching', { type: 'open-failed', id: 3, error })).toEqual([{ name: 'detached' }, leaving(error)])
  })

  test('a recovery that fails waits out the next delay', () => {
    expect(step('recovering', { type: 'open-failed', id: 3, error: 'x' })).toEqual([
      { name: 'waiting', attempt: 3, retryAt: NOW + 2000 },
      [startTimer('retry', 2000)],
    ])
  })

  test.each(['attaching', 'recovering'] as const)('of an older open is a no-op while %s', (name) => {
    expect(step(name, { type: 'open-failed', id: 2, error: 'x' })).toEqual([states[name], []])
  })

  test.each(except('attaching', 'recovering'))('is a no-op while %s', (name) => {
    expect(step(name, { type: 'open-failed', id: 3, error: 'x' })).toEqual([states[name], []])
  })
})

describe('lost', () => {
  test('of the live connection: close it, open another at once and replay the memory', () => {
    expect(step('live', { type: 'lost', connection: c1 })).toEqual([
      { name: 'recovering', attempt: 0, open: 7 },
      [{ type: 'close', connection: c1 }, open(7, true), cancelTimer('probe')],
    ])
  })

  test('of another connection (an older one) is a no-op', () => {
    expect(step('live', { type: 'lost', connection: c2 })).toEqual([states.live, []])
  })

  test.each(except('live'))('is a no-op while %s (one recovery at a time)', (name) => {
    expect(step(name, { type: 'lost', connection: c1 })).toEqual([states[name], []])
  })
})

describe('retry-due', () => {
  test('opens again after the wait, keeping the attempt', () => {
    const reopening = { name: 'recovering', attempt: 2, open: 7 }
    expect(step('waiting', { type: 'retry-due' })).toEqual([reopening, [open(7, true)]])
  })

  test.each(except('waiting'))('is a no-op while %s', (name) => {
    expect(step(name, { type: 'retry-due' })).toEqual([states[name], []])
  })
})

describe('page-hide', () => {
  test('persisted (back/forward cache), a live tab says goodbye and lets go of its worker', () => {
    expect(step('live', { type: 'page-hide', persisted: true })).toEqual([
      { name: 'hidden' },
      [{ type: 'goodbye', connection: c1 }, close(c1), cancelTimer('probe'), { type: 'reject-waiters' }],
    ])
  })

  test.each(['attaching', 'recovering', 'waiting'] as const)('persisted, stops connecting while %s', (name) => {
    const hidden = { name: 'hidden' }
    const effects = [cancelTimer('retry'), { type: 'reject-waiters' }]
    expect(step(name, { type: 'page-hide', persisted: true })).toEqual([hidden, effects])
  })

  test('not persisted, a live tab says goodbye and stays live (the page is going)', () => {
    const goodbye = { type: 'goodbye', connection: c1 }
    expect(step('live', { type: 'page-hide', persisted: false })).toEqual([states.live, [goodbye]])
  })

  test.each(except('live'))('not persisted, is a no-op while %s', (name) => {
    expect(step(name, { type: 'page-hide', persisted: false })).toEqual([states[name], []])
  })

  test.each(['detached', 'hidden'] as const)('persisted, is a no-op while %s', (name) => {
    expect(step(name, { type: 'page-hide', persisted: true })).toEqual([states[name], []])
  })
})

describe('page-show', () => {
  test('back from the back/forward cache, opens again the way a recovery does', () => {
    const reopening = { name: 'recovering', attempt: 0, open: 7 }
    expect(step('hidden', { type: 'page-show' })).toEqual([reopening, [open(7, true)]])
  })

  test.each(except('hidden'))('is a no-op while %s', (name) => {
    expect(step(name, { type: 'page-show' })).toEqual([states[name], []])
  })
})

describe('probe-due and probe-done', () => {
  test('a live tab pings its worker, and arms the next probe once the ping settled', () => {
    expect(step('live', { type: 'probe-due' })).toEqual([states.live, [{ type: 'ping' }]])
    expect(step('live', { type: 'probe-done' })).toEqual([states.live, [startTimer('probe', 15_000)]])
    expect(step('live', { type: 'probe-done' }, ctx({ probeMs: 0 }))).toEqual([states.live, []])
  })

  test.each(except('live'))('are no-ops while %s', (name) => {
    expect(step(name, { type: 'probe-due' })).toEqual([states[name], []])
    expect(step(name, { type: 'probe-done' })).toEqual([states[name], []])
  })
})

describe('visibility (decision 81)', () => {
  test('a live tab hidden stops its probe; shown again, it pings its worker at once (which re-arms the probe)', () => {
    expect(step('live', { type: 'visibility', hidden: true })).toEqual([states.live, [cancelTimer('probe')]])
    expect(step('live', { type: 'visibility', hidden: false })).toEqual([states.live, [{ type: 'ping' }]])
  })

  test.each(except('live'))('is a no-op while %s', (name) => {
    expect(step(name, { type: 'visibility', hidden: true })).toEqual([states[name], []])
    expect(step(name, { type: 'visibility', hidden: false })).toEqual([states[name], []])
  })
})

describe('detach', () => {
  test('a live tab leaves its worker (detach, then close) and forgets what it held', () => {
    const leave = { type: 'leave', connection: c1 }
    expect(step('live', { type: 'detach' })).toEqual([{ name: 'detached' }, [leave, ...leaving()]])
  })

  test.each(except('live'))('from %s ends detached and rejects the waiting commands', (name) => {
    expect(step(name, { type: 'detach' })).toEqual([{ name: 'detached' }, leaving()])
  })
})
