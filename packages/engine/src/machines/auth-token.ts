// AuthMachine: the access token of the one socket, as a pure transition(state, event, ctx) →
// [next state, effects]. auth-token.ts (AuthTokenManager) runs it under the generic Driver and carries
// out the effects: it calls the providers (token-provider.ts), tells the onChange listeners, logs, and
// the driver arms the refresh timer on the injected clock. A provider's answer comes back as an event
// carrying the id of the call it answers, so the answer of a superseded call is a no-op by the table.
//
//                 ┌──────── answer: a token, or no provider left to ask ────────┐
//                 ▼                                                             │
//            idle(token) ── set-auth null / refresh (any provider) ──▶ asking(token, call, asked, queue)
//             │      ▲                                                  ▲   │  ▲  │ answer: failed →
//  set-auth t │      │ set-auth null (no provider)                      │   │  └──┘ ask the next one
//  (a tab     ▼      │                                                  │   │
//   without  manual(t) ─────────── set-auth null (any provider) ────────┘   │
//   provider)     ▲                                                         │
//                 └────────────── set-auth t (a tab without provider) ──────┘
//
//   set-auth t from a tab that has a provider (realtime-js 2.112.1: the callback stays the source of
//   truth): from any live state ──▶ idle(t), so the next refresh asks the providers again.
//
//   dispose, from any state ──▶ disposed (terminal: every event is a no-op)
//
// state      event                          next                                    effects, in this order
// ────────── ────────────────────────────── ─────────────────────────────────────── ──────────────────────────────
// idle       set-auth t                     manual(t)                               ✕refresh, N
//            set-auth t, a provider's tab*  idle(t): used now, not pinned           ✕refresh, N, ▶refresh
//            set-auth null                  ASK, or idle(null) with no provider     ✕refresh, then ASK's / N
//            refresh (a call)               ASK, or idle(token) with no provider    ✕refresh, then ASK's / ▶refresh
//            refresh-due (the timer), due   as refresh                              as refresh
//            refresh-due, early             idle: nothing asked                     ▶refresh (the time left)
//            add-provider, remove-provider  idle, providers updated                 —
//            answer                         no-op: no call in flight
//            dispose                        disposed                                ✕refresh
// asking(c)  set-auth t                     manual(t)                               stop(c), N
//            set-auth t, a provider's tab*  idle(t)                                 stop(c), N, ▶refresh
//            set-auth null, refresh         as from idle: a new request supersedes  stop(c), then as from idle
//            refresh-due                    no-op (the timer does not run while asking)
//            add-provider                   asking, providers updated               — (this request does not ask it)
//            remove-provider id             asking, providers updated               stop(c) if id is the one asked:
//                                                                                     its answer, failed 'stopped',
//                                                                                     moves on as any failure
//            answer c, a token t            idle(t)                                 N, ▶refresh
//            answer c, failed               asking(c', the next of the queue still  warn, ask(c', next)
//                                             registered), or idle(token) if none   warn, warn(none answered), ▶refresh
//            answer c' ≠ c                  no-op: a superseded call
//            dispose                        disposed                                stop(c)
// manual(t)  set-auth t'                    manual(t'); the same t: no-op           N
//            set-auth t', a provider's tab* idle(t'), not pinned any more           N, ▶refresh
//            set-auth null                  ASK, or idle(null) with no provider     ASK's / N
//            refresh, refresh-due, answer   no-op: a manual token asks nothing
//            add-provider, remove-provider  manual, providers updated               —
//            dispose                        disposed                                —
// disposed   every event                    no-op (TERMINAL_AUTH_STATES)
//
// * "A provider's tab": the event's `from` is the id of a registered provider (a tab session that gave
// the engine an accessToken callback); its token is used at once and kept until the next refresh (the
// engine's connect, the expiry timer, the server's expiry notice), which asks the providers again. A tab
// without a provider (no `from`, or an id with none) sets a manual token, as before.
// ASK: asking(token, ctx.call, the newest provider, the others newest first as the queue), effect
// ask(ctx.call, newest); the token is kept until an answer. set-auth '' is set-auth null (realtime-js).
// N = notify(token) when the token changes. ✕refresh / ▶refresh = cancel / start the refresh timer; it
// starts only when the token is a JWT with `exp` and refreshDelay gives a delay (≥ 2 s of life left).
// The timer is due when the token's life left is at most refreshBeforeExpMs (+ 1 s): a timer that
// fires earlier (a clock that caps delays over 2^31−1 ms, clock.ts) re-arms instead of asking.
// A provider is "still registered" when neither removed nor replaced (added again under its id) since
// the request began. Not in the table: settled() and the promises of setAuth(null)/refresh() resolve
// when the machine is at rest outside `asking` (auth-token.ts, the driver's `drained`).

import { jwtExp, refreshDelay } from '../jwt.ts'
import type { ProviderAnswer, TokenProvider } from '../token-provider.ts'

export interface ProviderEntry {
  readonly id: string
  readonly provider: TokenProvider
}

/** Oldest first: the last one is the newest. */
export type Providers = readonly ProviderEntry[]

export type AuthState =
  | { name: 'idle'; token: string | null; providers: Providers }
  /** Waiting for call `call` to provider `asked`; `queue` holds the providers to ask next, newest first. */
  | { name: 'asking'; token: string | null; providers: Providers; call: number; asked: string; queue: Providers }
  | { name: 'manual'; token: string; providers: Providers }
  | { name: 'disposed'; token: string | null }

export type AuthEvent =
  /** `from`: the tab session that called setAuth; a token from a tab with a provider is not pinned. */
  | { type: 'set-auth'; token: string | null; from?: string }
  | { type: 'refresh' }
  /** The refresh timer fired: asks only when the token is due (a clock may call back early). */
  | { type: 'refresh-due' }
  | { type: 'add-provider'; id: string; provider: TokenProvider }
  | { type: 'remove-provider'; id: string }
  | { type: 'answer'; call: number; answer: ProviderAnswer }
  | { type: 'dispose' }

export type AuthEffect =
  | { type: 'ask'; call: number; id: string; provider: TokenProvider }
  | { type: 'stop'; call: number }
  | { type: 'notify'; token: string | null }
  | { type: 'warn'; message: string; error?: unknown }
  | { type: 'start-timer'; timer: 'refresh'; ms: number }
  | { type: 'cancel-timer'; timer: 'refresh' }

export interface AuthContext {
  now: number
  /** A fresh id for a provider call this transition may start (used at most once). */
  call: number
  /** How long before the JWT's `exp` to ask for a new token (AuthTokenOptions, default 60 000). */
  refreshBeforeExpMs: number
}

export type AuthResult = readonly [AuthState, AuthEffect[]]

export const TERMINAL_AUTH_STATES = ['disposed'] as const satisfies ReadonlyArray<AuthState['name']>

export type TerminalAuthState = Extract<AuthState, { name: (typeof TERMINAL_AUTH_STATES)[number] }>

export const initialAuthState: AuthState = { name: 'idle', token: null, providers: [] }

type Idle = Extract<AuthState, { name: 'idle' }>
type Asking = Extract<AuthState, { name: 'asking' }>
type Manual = Extract<AuthState, { name: 'manual' }>

export function transitionAuth(state: AuthState, event: AuthEvent, ctx: AuthContext): AuthResult {
  switch (state.name) {
    case 'idle':
      return fromIdle(state, event, ctx)
    case 'asking':
      return fromAsking(state, event, ctx)
    case 'manual':
      return fromManual(state, event, ctx)
    case 'disposed':
      return fromDisposed(state, event)
  }
}

function fromIdle(s: Idle, event: AuthEvent, ctx: AuthContext): AuthResult {
  switch (event.type) {
    case 'set-auth':
      return after([CANCEL], event.token ? explicit(s, event, event.token, ctx) : ask(s, null, ctx))
    case 'refresh':
      return after([CANCEL], ask(s, s.token, ctx))
    case 'refresh-due': {
      const early = notDue(s.token, ctx)
      return early === undefined ? after([CANCEL], ask(s, s.token, ctx)) : [s, [early]]
    }
    case 'add-provider':
    case 'remove-provider':
      return withProviders(s, event)
    case 'answer':
      return [s, []]
    case 'dispose':
      return [{ name: 'disposed', token: s.token }, [CANCEL]]
  }
}

function fromAsking(s: Asking, event: AuthEvent, ctx: AuthContext): AuthResult {
  const stop: AuthEffect = { type: 'stop', call: s.call }
  switch (event.type) {
    case 'set-auth':
      return after([stop], event.token ? explicit(s, event, event.token, ctx) : ask(s, null, ctx))
    case 'refresh':
      return after([stop], ask(s, s.token, ctx))
    case 'refresh-due':
      return [s, []]
    case 'add-provider':
      return withProviders(s, event)
    case 'remove-provider': {
      const [next] = withProviders(s, event)
      return [next, event.id === s.asked ? [stop] : []]
    }
    case 'answer':
      if (event.call !== s.call) return [s, []]
      return event.answer.kind === 'token' ? settle(s, event.answer.token, ctx, []) : askNext(s, event.answer, ctx)
    case 'dispose':
      return [{ name: 'disposed', token: s.token }, [stop]]
  }
}

function fromManual(s: Manual, event: AuthEvent, ctx: AuthContext): AuthResult {
  switch (event.type) {
    case 'set-auth':
      if (!event.token) return ask(s, null, ctx)
      if (fromProvider(s, event)) return settle(s, event.token, ctx, [])
      return event.token === s.token ? [s, []] : manual(s, event.token)
    case 'refresh':
    case 'refresh-due':
    case 'answer':
      return [s, []]
    case 'add-provider':
    case 'remove-provider':
      return withProviders(s, event)
    case 'dispose':
      return [{ name: 'disposed', token: s.token }, []]
  }
}

function fromDisposed(s: TerminalAuthState, event: AuthEvent): AuthResult {
  switch (event.type) {
    case 'set-auth':
    case 'refresh':
    case 'refresh-due':
    case 'add-provider':
    case 'remove-provider':
    case 'answer':
    case 'dispose':
      return [s, []]
  }
}

type Live = Idle | Asking | Manual

/** `ending` (what ran in the state left) first, then the effects of entering the next state. */
function after(ending: AuthEffect[], [next, entering]: AuthResult): AuthResult {
  return [next, [...ending, ...entering]]
}

type SetAuth = Extract<AuthEvent, { type: 'set-auth' }>

/** Whether `event` came from a tab that registered a token provider (its session id is a provider's id). */
function fromProvider(s: Live, event: SetAuth): boolean {
  return event.from !== undefined && s.providers.some((p) => p.id === event.from)
}

/** setAuth(token): used now and not pinned from a provider's tab (idle, the timer armed); else a manual token. */
function explicit(s: Live, event: SetAuth, token: string, ctx: AuthContext): AuthResult {
  return fromProvider(s, event) ? settle(s, token, ctx, []) : manual(s, token)
}

function manual(s: Live, token: string): AuthResult {
  return [{ name: 'manual', token, providers: s.providers }, notify(s.token, token)]
}

/**
 * A new request: the newest provider first. With no provider, idle at once with `fallback` (the
 * current token for a refresh, null for setAuth(null)).
 */
function ask(s: Live, fallback: string | null, ctx: AuthContext): AuthResult {
  const [newest, ...queue] = s.providers.toReversed()
  if (newest === undefined) return settle(s, fallback, ctx, [])
  const { token, providers } = s
  return [{ name: 'asking', token, providers, call: ctx.call, asked: newest.id, queue }, [askEffect(ctx.call, newest)]]
}

/** The asked provider failed: ask the next one still registered, or keep the current token. */
function askNext(s: Asking, answer: FailedAnswer, ctx: AuthContext): AuthResult {
  const warn = failure(s.asked, answer)
  const registered = (e: ProviderEntry) => s.providers.some((p) => p.id === e.id && p.provider === e.provider)
  const at = s.queue.findIndex(registered)
  const next = s.queue[at]
  if (next === undefined) return settle(s, s.token, ctx, [warn, NONE_ANSWERED])
  return [{ ...s, call: ctx.call, asked: next.id, queue: s.queue.slice(at + 1) }, [warn, askEffect(ctx.call, next)]]
}

type FailedAnswer = Extract<ProviderAnswer, { kind: 'failed' }>

function failure(id: string, answer: FailedAnswer): AuthEffect {
  const what =
    answer.why === 'garbage'
      ? `returned a non-string (${answer.type})`
      : answer.why === 'stopped'
        ? 'was removed'
        : answer.why
  const message = `auth: token provider "${id}" ${what}; asking the next one`
  return answer.why === 'threw' ? { type: 'warn', message, error: answer.error } : { type: 'warn', message }
}

/** Idle with `token`: notify if it changed, then arm the refresh timer when its JWT says when. */
function settle(s: Live, token: string | null, ctx: AuthContext, effects: AuthEffect[]): AuthResult {
  const ms = refreshIn(token, ctx)
  const timer: AuthEffect[] = ms === undefined ? [] : [{ type: 'start-timer', timer: 'refresh', ms }]
  return [{ name: 'idle', token, providers: s.providers }, [...effects, ...notify(s.token, token), ...timer]]
}

/** The refresh timer's delay for `token` now (jwt.ts refreshDelay); undefined: no timer. */
function refreshIn(token: string | null, ctx: AuthContext): number | undefined {
  const exp = token === null ? undefined : jwtExp(token)
  return exp === undefined ? undefined : refreshDelay(exp * 1000 - ctx.now, ctx.refreshBeforeExpMs)
}

/**
 * The refresh timer fired: the token is due when its life left is at most refreshBeforeExpMs (+ 1 s
 * of slack), which is where a timer armed by settle() fires (refreshBeforeExpMs before `exp`, or at
 * half the life left when that is sooner, which is then under refreshBeforeExpMs). Fired earlier (a
 * clock that caps long delays and calls back early): the timer armed again for the time left, and
 * no provider asked. Undefined when due.
 */
function notDue(token: string | null, ctx: AuthContext): AuthEffect | undefined {
  const exp = token === null ? undefined : jwtExp(token)
  if (exp === undefined || exp * 1000 - ctx.now <= ctx.refreshBeforeExpMs + DUE_SLACK_MS) return undefined
  const ms = refreshIn(token, ctx)
  return ms === undefined ? undefined : { type: 'start-timer', timer: 'refresh', ms }
}

/** A refresh timer that fires this close to its deadline counts as due. */
const DUE_SLACK_MS = 1000

type ProviderEvent = Extract<AuthEvent, { type: 'add-provider' | 'remove-provider' }>

/** A known id added again is replaced and becomes the newest; removing an unknown id is a no-op. */
function withProviders<S extends Live>(s: S, event: ProviderEvent): [S, AuthEffect[]] {
  const others = s.providers.filter((p) => p.id !== event.id)
  if (event.type === 'add-provider') {
    return [{ ...s, providers: [...others, { id: event.id, provider: event.provider }] }, []]
  }
  return others.length === s.providers.length ? [s, []] : [{ ...s, providers: others }, []]
}

const askEffect = (call: number, { id, provider }: ProviderEntry): AuthEffect => ({ type: 'ask', call, id, provider })

const notify = (from: string | null, to: string | null): AuthEffect[] =>
  from === to ? [] : [{ type: 'notify', token: to }]

const CANCEL: AuthEffect = { type: 'cancel-timer', timer: 'refresh' }

const NONE_ANSWERED: AuthEffect = {
  type: 'warn',
  message: 'auth: no token provider answered; keeping the current token',
}
