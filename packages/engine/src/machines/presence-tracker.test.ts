import { describe, expect, test } from 'vitest'
import type { TimerId } from '../clock.ts'
import { TestClock } from '../test-clock.ts'
import {
  initialPresenceTrackerState,
  PRESENCE_MIN_INTERVAL_MS,
  type PresenceDesire,
  type PresenceTrackerContext,
  type PresenceTrackerEffect,
  type PresenceTrackerEvent,
  type PresenceTrackerState,
  transitionPresence,
} from './presence-tracker.ts'

const NOW = 1_800_000_000_000
const ctx = (now = NOW): PresenceTrackerContext => ({ now, minIntervalMs: PRESENCE_MIN_INTERVAL_MS })

const A = { user: 'ada', cursor: 1 }
const B = { user: 'ada', cursor: 2 }
const C = { user: 'ada', cursor: 3 }
const tracked = (payload: Record<string, unknown>): PresenceDesire => ({
  kind: 'tracked',
  payload,
  json: JSON.stringify(payload),
})
const UNTRACKED: PresenceDesire = { kind: 'untracked' }
const state = (over: Partial<PresenceTrackerState> = {}): PresenceTrackerState => ({
  ...initialPresenceTrackerState,
  ...over,
})
/** Joined, with `payload` sent `agoMs` before NOW. */
const sent = (
  payload: Record<string, unknown>,
  agoMs: number,
  over: Partial<PresenceTrackerState> = {},
): PresenceTrackerState =>
  state({ joined: true, desired: tracked(payload), sent: tracked(payload), lastSentAt: NOW - agoMs, ...over })

const track = (payload: Record<string, unknown>): PresenceTrackerEvent => ({ type: 'track', payload })
const UNTRACK: PresenceTrackerEvent = { type: 'untrack' }
const JOINED: PresenceTrackerEvent = { type: 'joined' }
const LEFT: PresenceTrackerEvent = { type: 'left' }
const DUE: PresenceTrackerEvent = { type: 'timer-due' }
const sendTrack = (payload: Record<string, unknown>): PresenceTrackerEffect => ({ type: 'send-track', payload })
const SEND_UNTRACK: PresenceTrackerEffect = { type: 'send-untrack' }
const startTimer = (ms: number): PresenceTrackerEffect => ({ type: 'start-timer', ms })
const CANCEL: PresenceTrackerEffect = { type: 'cancel-timer' }

function run(
  from: PresenceTrackerState,
  steps: Array<[PresenceTrackerEvent, number]>,
): Array<[PresenceTrackerState, PresenceTrackerEffect[]]> {
  const results: Array<[PresenceTrackerState, PresenceTrackerEffect[]]> = []
  let current = from
  for (const [event, now] of steps) {
    const result = transitionPresence(current, event, ctx(now))
    results.push(result)
    current = result[0]
  }
  return results
}

describe('track', () => {
  test('while not joined only records the payload', () => {
    expect(transitionPresence(state(), track(A), ctx())).toEqual([state({ desired: tracked(A) }), []])
  })

  test('when joined and nothing was sent sends at once', () => {
    expect(transitionPresence(state({ joined: true }), track(A), ctx())).toEqual([
      state({ joined: true, desired: tracked(A), sent: tracked(A), lastSentAt: NOW }),
      [sendTrack(A)],
    ])
  })

  test('within the interval arms the timer for the time left', () => {
    expect(transitionPresence(sent(A, 2000), track(B), ctx())).toEqual([
      sent(A, 2000, { desired: tracked(B), timerArmed: true }),
      [startTimer(4000)],
    ])
  })

  test('within the interval with the timer armed only replaces the payload', () => {
    expect(transitionPresence(sent(A, 3000, { desired: tracked(B), timerArmed: true }), track(C), ctx())).toEqual([
      sent(A, 3000, { desired: tracked(C), timerArmed: true }),
      [],
    ])
  })

  test('after the interval sends at once', () => {
    expect(transitionPresence(sent(A, 6000), track(B), ctx())).toEqual([sent(B, 0), [sendTrack(B)]])
  })

  test('of the payload the server holds sends nothing', () => {
    expect(transitionPresence(sent(A, 60_000), track({ ...A }), ctx())).toEqual([sent(A, 60_000), []])
  })
})

describe('untrack', () => {
  test('after the interval sends untrack at once', () => {
    expect(transitionPresence(sent(A, 10_000), UNTRACK, ctx())).toEqual([
      state({ joined: true, desired: UNTRACKED, sent: UNTRACKED, lastSentAt: NOW }),
      [SEND_UNTRACK],
    ])
  })

  test('within the interval arms the timer', () => {
    expect(transitionPresence(sent(A, 1000), UNTRACK, ctx())).toEqual([
      sent(A, 1000, { desired: UNTRACKED, timerArmed: true }),
      [startTimer(5000)],
    ])
  })

  test('when nothing is tracked is a no-op', () => {
    const joined = state({ joined: true, lastSentAt: NOW - 1000 })
    expect(transitionPresence(joined, UNTRACK, ctx())).toEqual([joined, []])
  })

  test('while not joined only records the wish', () => {
    expect(transitionPresence(state({ desired: tracked(A) }), UNTRACK, ctx())).toEqual([state(), []])
  })
})

describe('joined', () => {
  test('tracks the desired payload again at once, with a fresh rate window', () => {
    const left = state({ desired: tracked(B), lastSentAt: NOW - 1000 })
    expect(transitionPresence(left, JOINED, ctx())).toEqual([
      state({ joined: true, desired: tracked(B), sent: tracked(B), lastSentAt: NOW }),
      [sendTrack(B)],
    ])
  })

  test('with nothing desired sends nothing', () => {
    expect(transitionPresence(state(), JOINED, ctx())).toEqual([state({ joined: true }), []])
  })

  test('cancels a timer still armed before sending', () => {
    expect(transitionPresence(sent(A, 1000, { desired: tracked(B), timerArmed: true }), JOINED, ctx())).toEqual([
      sent(B, 0),
      [CANCEL, sendTrack(B)],
    ])
  })
})

describe('left', () => {
  test('forgets what the server held and cancels the timer', () => {
    expect(transitionPresence(sent(A, 1000, { desired: tracked(B), timerArmed: true }), LEFT, ctx())).toEqual([
      state({ desired: tracked(B), lastSentAt: NOW - 1000 }),
      [CANCEL],
    ])
  })

  test('without a timer forgets what the server held', () => {
    expect(transitionPresence(sent(A, 1000), LEFT, ctx())).toEqual([
      state({ desired: tracked(A), lastSentAt: NOW - 1000 }),
      [],
    ])
  })

  test('while not joined is a no-op', () => {
    const idle = state({ desired: tracked(A) })
    expect(transitionPresence(idle, LEFT, ctx())).toEqual([idle, []])
  })
})

describe('timer-due', () => {
  test('sends the newest desired payload', () => {
    expect(transitionPresence(sent(A, 6000, { desired: tracked(C), timerArmed: true }), DUE, ctx())).toEqual([
      sent(C, 0),
      [sendTrack(C)],
    ])
  })

  test('sends nothing when the desire came back to what was sent', () => {
    expect(transitionPresence(sent(A, 6000, { timerArmed: true }), DUE, ctx())).toEqual([sent(A, 6000), []])
  })

  test('arms again for the time left when it fires early', () => {
    expect(transitionPresence(sent(A, 5999, { desired: tracked(B), timerArmed: true }), DUE, ctx())).toEqual([
      sent(A, 5999, { desired: tracked(B), timerArmed: true }),
      [startTimer(1)],
    ])
  })

  test('when no timer is armed is a no-op', () => {
    const stale = sent(A, 6000, { desired: tracked(B) })
    expect(transitionPresence(stale, DUE, ctx())).toEqual([stale, []])
  })
})

describe('scenarios', () => {
  test('coalesces bursts to one call per 6 s, newest payload wins, timer armed once', () => {
    expect(
      run(state({ joined: true }), [
        [track(A), NOW],
        [track(B), NOW + 1000],
        [track(C), NOW + 2000],
        [DUE, NOW + 6000],
        [track(C), NOW + 7000],
      ]),
    ).toEqual([
      [sent(A, 0), [sendTrack(A)]],
      [sent(A, 0, { desired: tracked(B), timerArmed: true }), [startTimer(5000)]],
      [sent(A, 0, { desired: tracked(C), timerArmed: true }), []],
      [sent(C, -6000), [sendTrack(C)]],
      [sent(C, -6000), []],
    ])
  })

  test('a payload changed and changed back within the window is not resent', () => {
    expect(
      run(sent(A, 0), [
        [track(B), NOW + 1000],
        [track(A), NOW + 2000],
        [DUE, NOW + 6000],
      ]),
    ).toEqual([
      [sent(A, 0, { desired: tracked(B), timerArmed: true }), [startTimer(5000)]],
      [sent(A, 0, { timerArmed: true }), []],
      [sent(A, 0), []],
    ])
  })

  test('an untrack right after a track goes out when the window ends', () => {
    expect(
      run(state({ joined: true }), [
        [track(A), NOW],
        [UNTRACK, NOW + 500],
        [DUE, NOW + 6000],
      ]),
    ).toEqual([
      [sent(A, 0), [sendTrack(A)]],
      [sent(A, 0, { desired: UNTRACKED, timerArmed: true }), [startTimer(5500)]],
      [state({ joined: true, lastSentAt: NOW + 6000 }), [SEND_UNTRACK]],
    ])
  })

  test('a rejoin tracks the last payload again', () => {
    expect(
      run(sent(A, 0), [
        [LEFT, NOW + 1000],
        [track(B), NOW + 2000],
        [JOINED, NOW + 3000],
      ]),
    ).toEqual([
      [state({ desired: tracked(A), lastSentAt: NOW }), []],
      [state({ desired: tracked(B), lastSentAt: NOW }), []],
      [sent(B, -3000), [sendTrack(B)]],
    ])
  })

  test('the initial state is not joined and untracked', () => {
    expect(initialPresenceTrackerState).toEqual({
      joined: false,
      desired: UNTRACKED,
      sent: UNTRACKED,
      lastSentAt: null,
      timerArmed: false,
    })
  })
})

describe('driven by a TestClock', () => {
  test('sends at most one call per 6 s over a session with a rejoin', () => {
    const clock = new TestClock()
    const t0 = clock.now()
    const log: Array<[number, string]> = []
    let current = initialPresenceTrackerState
    let timer: TimerId | undefined
    const dispatch = (event: PresenceTrackerEvent): void => {
      const [next, effects] = transitionPresence(current, event, {
        now: clock.now(),
        minIntervalMs: PRESENCE_MIN_INTERVAL_MS,
      })
      current = next
      for (const effect of effects) {
        if (effect.type === 'start-timer') timer = clock.setTimeout(() => dispatch({ type: 'timer-due' }), effect.ms)
        else if (effect.type === 'cancel-timer' && timer !== undefined) clock.clearTimeout(timer)
        else if (effect.type === 'send-track') log.push([clock.now() - t0, `track ${JSON.stringify(effect.payload)}`])
        else if (effect.type === 'send-untrack') log.push([clock.now() - t0, 'untrack'])
      }
    }
    const at = (ms: number, event: PresenceTrackerEvent): void => {
      clock.set(t0 + ms)
      dispatch(event)
    }

    at(0, { type: 'joined' })
    at(0, track({ n: 1 }))
    at(1000, track({ n: 2 }))
    at(2000, track({ n: 3 }))
    at(7000, track({ n: 3 }))
    at(8000, { type: 'untrack' })
    at(13_000, track({ n: 4 }))
    at(14_000, { type: 'left' })
    at(20_000, { type: 'joined' })
    clock.advance(30_000)

    expect([log, clock.pending()]).toEqual([
      [
        [0, 'track {"n":1}'],
        [6000, 'track {"n":3}'],
        [12_000, 'untrack'],
        [20_000, 'track {"n":4}'],
      ],
      [],
    ])
  })
})
