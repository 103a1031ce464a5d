// AuthTokenManager: the one access token of the engine's socket, for every tab session. The rules
// are the pure machine machines/auth-token.ts (its table); this class runs it under the generic Driver
// and carries out its effects: it calls the providers (token-provider.ts's callProvider, with a
// deadline), arms the refresh timer on the injected clock (a driver timer), tells the onChange
// listeners, and resolves the promises of setAuth/refresh/settled once no request is in flight.
//
// What the engine relies on (DESIGN.md "Many tabs", rule 5):
// - setAuth(token: string, from?): from a tab without a provider, a manual token; it wins until
//   setAuth(null). From a tab session `from` that registered a provider (realtime-js 2.112.1: the
//   accessToken callback stays the source of truth), the token is used now but not pinned: the next
//   refresh (connect, the expiry timer, the server's expiry notice) asks the providers again.
//   setAuth(null): ask the providers again (if none, the token becomes null). Resolves once the value
//   is settled.
//   setAuth('') is setAuth(null), as in realtime-js. A manual token supersedes an in-flight request.
// - Providers (realtime-js's `accessToken` option), one per tab session: addProvider(id, fn).
//   The newest added live provider is asked; if it throws, returns a non-string (other than
//   null/undefined/'', which all mean "no token"), or does not answer within providerTimeoutMs,
//   the next newest is asked; removeProvider(id) when a tab goes away (a request waiting on that
//   provider moves on to the next one at once). A provider's null means "no token" (the anon key
//   from the URL applies) and is an answer: the older providers are not asked. addProvider with a
//   known id replaces it and makes it the newest; adding a provider asks nothing by itself.
//   When every provider fails, the current token is kept (realtime-js: "fall back to cached").
// - Providers are asked: by refresh() (the engine calls it before each connect and when the
//   server says the token expired), and automatically refreshBeforeExpMs (60 s) before the JWT's
//   `exp` (read from the token's payload without verifying; no exp → no timer). A token whose life
//   left is under 2 × refreshBeforeExpMs is refreshed at half its life left instead; under 2 s
//   left (or expired) → no timer (the server's expiry notice leads the engine to refresh()).
//   refresh() with no provider keeps the current token; with a manual token it asks nothing.
//   Each refresh() starts a new request that supersedes the one in flight. It resolves once the
//   value is settled (after the newest request, whichever that is); it never rejects.
// - settled(): resolves with the current token once no request is in flight; the engine awaits it
//   before any join, so a join never goes out before an in-flight token resolves. `settling` is
//   true while one is.
// - Each provider call has an id; the answer of a superseded call is discarded.
// - onChange(listener): called with the new token whenever the value actually changes (the engine
//   then pushes access_token to every joined channel). Returns an unsubscribe function. A listener
//   that throws is logged (logger.error) and the others still run.
// - Tokens live in memory only; nothing is stored, and tokens are never logged.
// - dispose(): cancels the refresh timer and any provider call, resolves pending settled() calls
//   with the current token, drops listeners and providers; later calls are no-ops.

import type { Clock } from './clock.ts'
import type { Logger } from './logger.ts'
import {
  type AuthContext,
  type AuthEffect,
  type AuthEvent,
  type AuthState,
  initialAuthState,
  transitionAuth,
} from './machines/auth-token.ts'
import { Driver } from './machines/driver.ts'
import { callProvider, type ProviderCall, type TokenProvider } from './token-provider.ts'

export type { TokenProvider } from './token-provider.ts'
export { jwtExp, refreshDelay } from './jwt.ts'

export interface AuthTokenOptions {
  clock: Clock
  logger: Logger
  /** Default 60 000. */
  refreshBeforeExpMs?: number
  /** Default 10 000. */
  providerTimeoutMs?: number
}

export class AuthTokenManager {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #providerTimeoutMs: number
  readonly #driver: Driver<AuthState, AuthEvent, AuthContext, AuthEffect>
  readonly #listeners = new Set<(token: string | null) => void>()
  /** The provider call in flight: the machine asks one provider at a time. */
  #inFlight: { call: number; handle: ProviderCall } | null = null
  #calls = 0
  /** Resolved when the machine rests outside `asking` (the driver's `drained`). */
  #waiters: Array<(token: string | null) => void> = []

  constructor(options: AuthTokenOptions) {
    this.#clock = options.clock
    this.#logger = options.logger
    this.#providerTimeoutMs = options.providerTimeoutMs ?? 10_000
    const refreshBeforeExpMs = options.refreshBeforeExpMs ?? 60_000
    this.#driver = new Driver({
      initial: initialAuthState,
      transition: transitionAuth,
      context: () => ({ now: this.#clock.now(), call: ++this.#calls, refreshBeforeExpMs }),
      perform: (effect) => this.#perform(effect),
      timers: { clock: this.#clock, fired: () => ({ type: 'refresh-due' }) },
      drained: (state) => {
        if (state.name !== 'asking') this.#release(state.token)
      },
    })
  }

  get token(): string | null {
    return this.#driver.state.token
  }

  /** Whether a tab registered a token provider (setAuth(null) would ask it). */
  get hasProviders(): boolean {
    const state = this.#driver.state
    return state.name !== 'disposed' && state.providers.length > 0
  }

  /** True while a provider is being asked (settled() would wait). */
  get settling(): boolean {
    return this.#driver.state.name === 'asking'
  }

  /** `from`: the tab session calling; a token from a session that registered a provider is not pinned. */
  setAuth(token: string | null, from?: string): Promise<void> {
    if (!token) return this.#untilSettled({ type: 'set-auth', token: null })
    this.#driver.dispatch(from === undefined ? { type: 'set-auth', token } : { type: 'set-auth', token, from })
    return Promise.resolve()
  }

  addProvider(id: string, provider: TokenProvider): void {
    this.#driver.dispatch({ type: 'add-provider', id, provider })
  }

  removeProvider(id: string): void {
    this.#driver.dispatch({ type: 'remove-provider', id })
  }

  refresh(): Promise<void> {
    return this.#untilSettled({ type: 'refresh' })
  }

  settled(): Promise<string | null> {
    const state = this.#driver.state
    if (state.name !== 'asking') return Promise.resolve(state.token)
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  onChange(listener: (token: string | null) => void): () => void {
    if (this.#driver.state.name === 'disposed') return () => {}
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  dispose(): void {
    this.#driver.dispatch({ type: 'dispose' })
    this.#listeners.clear()
  }

  /** Dispatches `event`; resolves once the machine rests outside `asking` (at once if it does now). */
  #untilSettled(event: AuthEvent): Promise<void> {
    const settled = new Promise<void>((resolve) => this.#waiters.push(() => resolve()))
    this.#driver.dispatch(event)
    return settled
  }

  #perform(effect: Exclude<AuthEffect, { type: 'start-timer' | 'cancel-timer' }>): void {
    switch (effect.type) {
      case 'ask':
        return this.#ask(effect.call, effect.provider)
      case 'stop':
        if (this.#inFlight?.call === effect.call) this.#inFlight.handle.stop()
        return
      case 'notify':
        return this.#notify(effect.token)
      case 'warn':
        return this.#logger.warn(effect.message, effect.error)
    }
  }

  #ask(call: number, provider: TokenProvider): void {
    const handle = callProvider(provider, this.#clock, this.#providerTimeoutMs)
    this.#inFlight = { call, handle }
    handle.answer
      .then((answer) => {
        if (this.#inFlight?.call === call) this.#inFlight = null
        this.#driver.dispatch({ type: 'answer', call, answer })
      })
      .catch((error: unknown) => this.#logger.error('auth: handling a token provider answer failed', error))
  }

  #notify(token: string | null): void {
    for (const listener of this.#listeners) {
      try {
        listener(token)
      } catch (error) {
        this.#logger.error('auth: an onChange listener threw', error)
      }
    }
  }

  #release(token: string | null): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve(token)
  }
}
