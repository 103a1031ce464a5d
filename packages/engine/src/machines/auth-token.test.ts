// AuthMachine: whole [state, effects] for the rows of the table in auth-token.ts, then the machine
// over time under the Driver on a TestClock (the refresh timer, superseded answers, dispose).
import { describe, expect, test } from 'vitest'
import { TestClock } from '../test-clock.ts'
import type { ProviderAnswer, TokenProvider } from '../token-provider.ts'
import {
  type AuthContext,
  type AuthEffect,
  type AuthEvent,
  type AuthResult,
  type AuthState,
  initialAuthState,
  type ProviderEntry,
  type Providers,
  TERMINAL_AUTH_STATES,
  transitionAuth,
} from './auth-token.ts'
import { Driver } from './driver.ts'

const NOW = 1_800_000_000_000
const ctx = (): AuthContext => ({ now: NOW, call: 9, refreshBeforeExpMs: 60_000 })

const b64url = (text: string) => Buffer.from(text).toString('base64url')
/** An unsigned JWT that expires `seconds` after NOW (the machine never verifies). */
const expiring = (seconds: number, sub = 'user') =>
  `${b64url('{"alg":"HS256"}')}.${b64url(JSON.stringify({ sub, exp: NOW / 1000 + seconds }))}.c2ln`

const one: TokenProvider = () => 'one'
const two: TokenProvider = () => 'two'
const P1: ProviderEntry = { id: 'tab-1', provider: one }
const P2: ProviderEntry = { id: 'tab-2', provider: two }
const P3: ProviderEntry = { id: 'tab-3', provider: one }
/** tab-1 added again, with another function. */
const P1_AGAIN: ProviderEntry = { id: 'tab-1', provider: two }

type Asking = Extract<AuthState, { name: 'asking' }>
type Failed = Extract<ProviderAnswer, { kind: 'failed' }>

const idle = (token: string | null = 'old', providers: Providers = [P1, P2]): AuthState => ({
  name: 'idle',
  token,
  providers,
})
const manual = (token = 'manual', providers: Providers = [P1, P2]): AuthState => ({ name: 'manual', token, providers })
/** Asking tab-2 (call 1) with tab-1 queued, unless told otherwise. */
const asking = (over: Partial<Asking> = {}): AuthState => ({
  name: 'asking',
  token: 'old',
  providers: [P1, P2],
  call: 1,
  asked: 'tab-2',
  queue: [P1],
  ...over,
})
const disposed = (token: string | null = 'old'): AuthState => ({ name: 'disposed', token })

const ask = (call: number, { id, provider }: ProviderEntry): AuthEffect => ({ type: 'ask', call, id, provider })
const stop = (call: number): AuthEffect => ({ type: 'stop', call })
const notify = (token: string | null): AuthEffect => ({ type: 'notify', token })
const start = (ms: number): AuthEffect => ({ type: 'start-timer', timer: 'refresh', ms })
const CANCEL: AuthEffect = { type: 'cancel-timer', timer: 'refresh' }
const warn = (message: string, error?: unknown): AuthEffect =>
  error === undefined ? { type: 'warn', message } : { type: 'warn', message, error }
const failedWarn = (id: string, what: string, error?: unknown) =>
  warn(`auth: token provider "${id}" ${what}; asking the next one`, error)
const NONE_ANSWERED = warn('auth: no token provider answered; keeping the current token')

const setAuth = (token: string | null): AuthEvent => ({ type: 'set-auth', token })
/** setAuth(token) from tab `from` (tab-1 has a provider in the default states; tab-9 has none). */
const setAuthFrom = (from: string, token: string | null): AuthEvent => ({ type: 'set-auth', token, from })
const token = (call: number, value: string | null): AuthEvent => ({
  type: 'answer',
  call,
  answer: { kind: 'token', token: value },
})
const failed = (call: number, answer: Failed): AuthEvent => ({ type: 'answer', call, answer })
const TIMED_OUT: Failed = { kind: 'failed', why: 'timed out' }

const EVENTS: { [T in AuthEvent['type']]: Extract<AuthEvent, { type: T }> } = {
  'set-auth': { type: 'set-auth', token: 'manual' },
  refresh: { type: 'refresh' },
  'refresh-due': { type: 'refresh-due' },
  'add-provider': { type: 'add-provider', id: 'tab-3', provider: one },
  'remove-provider': { type: 'remove-provider', id: 'tab-1' },
  answer: { type: 'answer', call: 1, answer: { kind: 'token', token: 'new' } },
  dispose: { type: 'dispose' },
}

describe('transitionAuth: no-ops', () => {
  const rows: Array<[string, AuthState, AuthEvent[]]> = [
    ['disposed', disposed(), [...Object.values(EVENTS), setAuth(null)]],
    ['idle', idle(), [EVENTS.answer, { type: 'remove-provider', id: 'tab-9' }]],
    ['manual', manual(), [EVENTS.refresh, EVENTS['refresh-due'], EVENTS.answer, setAuth('manual')]],
    [
      'asking(1)',
      asking(),
      [token(0, 'stale'), failed(2, TIMED_OUT), { type: 'remove-provider', id: 'tab-9' }, EVENTS['refresh-due']],
    ],
  ]
  test.each(rows)('%s ignores what does not apply to it', (_, state, events) => {
    for (const event of events) expect(transitionAuth(state, event, ctx())).toEqual([state, []])
  })

  test('disposed is the only terminal state, and the machine starts idle with no token', () => {
    expect([TERMINAL_AUTH_STATES, initialAuthState]).toEqual([['disposed'], idle(null, [])])
  })
})

describe('transitionAuth: idle', () => {
  const rows: Array<[string, AuthState, AuthEvent, AuthResult]> = [
    ['set-auth t: manual, the timer cancelled', idle(), setAuth('manual'), [manual(), [CANCEL, notify('manual')]]],
    ['set-auth the same token: manual, no notify', idle('old'), setAuth('old'), [manual('old'), [CANCEL]]],
    ['set-auth null: asks the newest provider', idle(), setAuth(null), [asking({ call: 9 }), [CANCEL, ask(9, P2)]]],
    [
      "set-auth t from a provider's tab: idle with t, not pinned",
      idle(),
      setAuthFrom('tab-1', 'explicit'),
      [idle('explicit'), [CANCEL, notify('explicit')]],
    ],
    [
      "set-auth a JWT from a provider's tab: the refresh timer armed for it",
      idle(),
      setAuthFrom('tab-2', expiring(3600)),
      [idle(expiring(3600)), [CANCEL, notify(expiring(3600)), start(3_540_000)]],
    ],
    [
      'set-auth t from a tab without a provider: manual, as before',
      idle(),
      setAuthFrom('tab-9', 'manual'),
      [manual(), [CANCEL, notify('manual')]],
    ],
    [
      "set-auth null from a provider's tab: asks the newest provider",
      idle(),
      setAuthFrom('tab-1', null),
      [asking({ call: 9 }), [CANCEL, ask(9, P2)]],
    ],
    ['set-auth null, no provider: null', idle('old', []), setAuth(null), [idle(null, []), [CANCEL, notify(null)]]],
    ['refresh: asks the newest provider', idle(), EVENTS.refresh, [asking({ call: 9 }), [CANCEL, ask(9, P2)]]],
    ['refresh, no provider: keeps the token', idle('old', []), EVENTS.refresh, [idle('old', []), [CANCEL]]],
    [
      'refresh, no provider: re-arms the timer',
      idle(expiring(3600), []),
      EVENTS.refresh,
      [idle(expiring(3600), []), [CANCEL, start(3_540_000)]],
    ],
    [
      'refresh-due, 60 s left: asks the newest provider',
      idle(expiring(60)),
      EVENTS['refresh-due'],
      [asking({ token: expiring(60), call: 9 }), [CANCEL, ask(9, P2)]],
    ],
    [
      'refresh-due, half of a short life left (20 s): asks',
      idle(expiring(20)),
      EVENTS['refresh-due'],
      [asking({ token: expiring(20), call: 9 }), [CANCEL, ask(9, P2)]],
    ],
    ['refresh-due, not a JWT: asks', idle(), EVENTS['refresh-due'], [asking({ call: 9 }), [CANCEL, ask(9, P2)]]],
    [
      'refresh-due early (an hour left): asks nothing, re-arms for the time left',
      idle(expiring(3600)),
      EVENTS['refresh-due'],
      [idle(expiring(3600)), [start(3_540_000)]],
    ],
    ['add-provider: the newest', idle(), EVENTS['add-provider'], [idle('old', [P1, P2, P3]), []]],
    [
      'add-provider, a known id: replaced, the newest',
      idle(),
      { type: 'add-provider', id: 'tab-1', provider: two },
      [idle('old', [P2, P1_AGAIN]), []],
    ],
    ['remove-provider', idle(), EVENTS['remove-provider'], [idle('old', [P2]), []]],
    ['dispose', idle(), EVENTS.dispose, [disposed(), [CANCEL]]],
  ]
  test.each(rows)('%s', (_, state, event, result) => {
    expect(transitionAuth(state, event, ctx())).toEqual(result)
  })
})

describe('transitionAuth: asking', () => {
  const rows: Array<[string, AuthState, AuthEvent, AuthResult]> = [
    ['answer, a token: idle with it', asking(), token(1, 'new'), [idle('new'), [notify('new')]]],
    ['answer, the same token: idle, no notify', asking(), token(1, 'old'), [idle('old'), []]],
    ['answer, null ("no token"): idle with null', asking(), token(1, null), [idle(null), [notify(null)]]],
    [
      'answer, a JWT: arms the refresh timer',
      asking(),
      token(1, expiring(3600)),
      [idle(expiring(3600)), [notify(expiring(3600)), start(3_540_000)]],
    ],
    [
      'answer, a short-lived JWT: at half its life left',
      asking(),
      token(1, expiring(30)),
      [idle(expiring(30)), [notify(expiring(30)), start(15_000)]],
    ],
    [
      'answer, a JWT under 2 s from expiry: no timer',
      asking(),
      token(1, expiring(1)),
      [idle(expiring(1)), [notify(expiring(1))]],
    ],
    [
      'answer, threw: asks the next one',
      asking(),
      failed(1, { kind: 'failed', why: 'threw', error: 'boom' }),
      [asking({ call: 9, asked: 'tab-1', queue: [] }), [failedWarn('tab-2', 'threw', 'boom'), ask(9, P1)]],
    ],
    [
      'answer, garbage: asks the next one',
      asking(),
      failed(1, { kind: 'failed', why: 'garbage', type: 'array' }),
      [
        asking({ call: 9, asked: 'tab-1', queue: [] }),
        [failedWarn('tab-2', 'returned a non-string (array)'), ask(9, P1)],
      ],
    ],
    [
      'answer, timed out, none left: keeps the token',
      asking({ asked: 'tab-1', queue: [] }),
      failed(1, TIMED_OUT),
      [idle('old'), [failedWarn('tab-1', 'timed out'), NONE_ANSWERED]],
    ],
    [
      'answer, failed, none left: re-arms the timer',
      asking({ token: expiring(60), asked: 'tab-1', queue: [] }),
      failed(1, TIMED_OUT),
      [idle(expiring(60)), [failedWarn('tab-1', 'timed out'), NONE_ANSWERED, start(30_000)]],
    ],
    [
      'answer, stopped: skips a queued provider removed since',
      asking({ providers: [P2] }),
      failed(1, { kind: 'failed', why: 'stopped' }),
      [idle('old', [P2]), [failedWarn('tab-2', 'was removed'), NONE_ANSWERED]],
    ],
    [
      'answer, failed: skips a queued provider replaced since',
      asking({ providers: [P2, P1_AGAIN] }),
      failed(1, TIMED_OUT),
      [idle('old', [P2, P1_AGAIN]), [failedWarn('tab-2', 'timed out'), NONE_ANSWERED]],
    ],
    ['set-auth t: manual, the call stopped', asking(), setAuth('manual'), [manual(), [stop(1), notify('manual')]]],
    [
      "set-auth t from a provider's tab: idle with t, the call stopped",
      asking(),
      setAuthFrom('tab-1', 'explicit'),
      [idle('explicit'), [stop(1), notify('explicit')]],
    ],
    ['set-auth null: a new request', asking(), setAuth(null), [asking({ call: 9 }), [stop(1), ask(9, P2)]]],
    [
      'set-auth null, no provider left: null',
      asking({ providers: [] }),
      setAuth(null),
      [idle(null, []), [stop(1), notify(null)]],
    ],
    [
      'refresh: a new request supersedes this one',
      asking(),
      EVENTS.refresh,
      [asking({ call: 9 }), [stop(1), ask(9, P2)]],
    ],
    [
      'refresh, no provider left: keeps the token',
      asking({ providers: [] }),
      EVENTS.refresh,
      [idle('old', []), [stop(1)]],
    ],
    [
      'add-provider: not asked in this request',
      asking(),
      EVENTS['add-provider'],
      [asking({ providers: [P1, P2, P3] }), []],
    ],
    ['remove-provider, a queued one', asking(), EVENTS['remove-provider'], [asking({ providers: [P2] }), []]],
    [
      'remove-provider, the one asked: its call stopped',
      asking(),
      { type: 'remove-provider', id: 'tab-2' },
      [asking({ providers: [P1] }), [stop(1)]],
    ],
    ['dispose: the call stopped', asking(), EVENTS.dispose, [disposed(), [stop(1)]]],
  ]
  test.each(rows)('%s', (_, state, event, result) => {
    expect(transitionAuth(state, event, ctx())).toEqual(result)
  })
})

describe('transitionAuth: manual', () => {
  const rows: Array<[string, AuthState, AuthEvent, AuthResult]> = [
    ['set-auth another token', manual(), setAuth('other'), [manual('other'), [notify('other')]]],
    [
      "set-auth t' from a provider's tab: idle, not pinned any more",
      manual(),
      setAuthFrom('tab-2', 'other'),
      [idle('other'), [notify('other')]],
    ],
    [
      "set-auth the same token from a provider's tab: unpinned, no notify",
      manual(),
      setAuthFrom('tab-1', 'manual'),
      [idle('manual'), []],
    ],
    [
      'set-auth another token from a tab without a provider: manual',
      manual(),
      setAuthFrom('tab-9', 'other'),
      [manual('other'), [notify('other')]],
    ],
    [
      'set-auth null: asks the providers, keeping the token meanwhile',
      manual(),
      setAuth(null),
      [asking({ token: 'manual', call: 9 }), [ask(9, P2)]],
    ],
    ["set-auth '': as null", manual(), setAuth(''), [asking({ token: 'manual', call: 9 }), [ask(9, P2)]]],
    ['set-auth null, no provider: null', manual('manual', []), setAuth(null), [idle(null, []), [notify(null)]]],
    ['add-provider', manual(), EVENTS['add-provider'], [manual('manual', [P1, P2, P3]), []]],
    ['remove-provider', manual(), EVENTS['remove-provider'], [manual('manual', [P2]), []]],
    ['dispose', manual(), EVENTS.dispose, [disposed('manual'), []]],
  ]
  test.each(rows)('%s', (_, state, event, result) => {
    expect(transitionAuth(state, event, ctx())).toEqual(result)
  })
})

/**
 * The machine under the Driver, on a TestClock; `effects` records what the driver hands to perform.
 * Every event gets a fresh call id (11, 12, …), as AuthTokenManager's context gives; `answer` answers
 * the call in flight.
 */
function driven(from: AuthState = idle('old', [P1])) {
  const clock = new TestClock(NOW)
  const effects: AuthEffect[] = []
  let calls = 10
  const driver = new Driver<AuthState, AuthEvent, AuthContext, AuthEffect>({
    initial: from,
    transition: transitionAuth,
    context: () => ({ now: clock.now(), call: ++calls, refreshBeforeExpMs: 60_000 }),
    perform: (effect) => effects.push(effect),
    timers: { clock, fired: () => ({ type: 'refresh-due' }) },
  })
  const answer = (value: string | null | Failed) => {
    const state = driver.state
    if (state.name !== 'asking') throw new Error(`no call in flight: ${state.name}`)
    driver.dispatch(value !== null && typeof value === 'object' ? failed(state.call, value) : token(state.call, value))
  }
  return { clock, driver, effects, answer }
}

describe('AuthMachine over time (Driver + TestClock)', () => {
  test('asks again refreshBeforeExpMs before the JWT expires, and arms the timer for the new token', () => {
    const { answer, clock, driver, effects } = driven()
    driver.dispatch({ type: 'refresh' })
    answer(expiring(3600, 'first'))
    const armed = clock.pending()
    clock.advance(3_540_000)
    const due = driver.state
    answer(expiring(7200, 'second'))
    expect({ armed, due, state: driver.state, pending: clock.pending(), effects }).toEqual({
      armed: [3_540_000],
      due: asking({ token: expiring(3600, 'first'), providers: [P1], call: 13, asked: 'tab-1', queue: [] }),
      state: idle(expiring(7200, 'second'), [P1]),
      pending: [3_600_000],
      effects: [ask(11, P1), notify(expiring(3600, 'first')), ask(13, P1), notify(expiring(7200, 'second'))],
    })
  })

  test('retries at half the life left when every provider failed at the deadline', () => {
    const { answer, clock, driver } = driven(idle(expiring(3600), [P1]))
    driver.dispatch({ type: 'refresh' })
    answer(expiring(3600))
    clock.advance(3_540_000)
    answer({ kind: 'failed', why: 'threw', error: 'offline' })
    expect([driver.state, clock.pending()]).toEqual([idle(expiring(3600), [P1]), [30_000]])
  })

  test('a manual token cancels the pending refresh timer, so it never fires', () => {
    const { answer, clock, driver, effects } = driven()
    driver.dispatch({ type: 'refresh' })
    answer(expiring(3600))
    driver.dispatch({ type: 'set-auth', token: 'manual' })
    clock.advance(3_600_000)
    const asks = effects.filter((e) => e.type === 'ask')
    expect([driver.state, clock.pending(), asks]).toEqual([manual('manual', [P1]), [], [ask(11, P1)]])
  })

  test("a superseded request's late answer changes nothing", () => {
    const { driver, effects } = driven()
    driver.dispatch({ type: 'refresh' })
    driver.dispatch({ type: 'refresh' })
    driver.dispatch(token(12, 'new'))
    driver.dispatch(token(11, 'late'))
    expect([driver.state, effects]).toEqual([idle('new', [P1]), [ask(11, P1), stop(11), ask(12, P1), notify('new')]])
  })

  test('dispose disarms the refresh timer; the machine then ignores everything', () => {
    const { answer, clock, driver } = driven()
    driver.dispatch({ type: 'refresh' })
    answer(expiring(3600))
    driver.dispatch({ type: 'dispose' })
    driver.dispatch({ type: 'set-auth', token: 'manual' })
    clock.advance(3_600_000)
    expect([driver.state, clock.pending()]).toEqual([disposed(expiring(3600)), []])
  })
})
