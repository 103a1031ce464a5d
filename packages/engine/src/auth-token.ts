// AuthTokenManager — CONTRACT (signatures fixed by the engine driver; implement the class).
//
// One source of truth for the access token of the one socket (DESIGN.md "Many tabs", rule 5):
// - setAuth(token: string): a manual token; it wins until setAuth(null). setAuth(null): ask the
//   providers again (if none, the token becomes null). Resolves once the value is settled.
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
//   before any join, so a join never goes out before an in-flight token resolves.
// - A generation counter discards the result of a superseded request.
// - onChange(listener): called with the new token whenever the value actually changes (the engine
//   then pushes access_token to every joined channel). Returns an unsubscribe function. A listener
//   that throws is logged (logger.error) and the others still run.
// - Tokens live in memory only; nothing is stored, and tokens are never logged.
// - dispose(): cancels the refresh timer and any provider call, resolves pending settled() calls
//   with the current token, drops listeners and providers; later calls are no-ops.

import type { Clock, TimerId } from './clock.ts'
import type { Logger } from './logger.ts'
import { jwtExp, refreshDelay } from './jwt.ts'
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

type State =
  | { name: 'idle' }
  | { name: 'asking'; generation: number; providerId: string | null; call: ProviderCall | null }
  | { name: 'manual' }
  | { name: 'disposed' }

export class AuthTokenManager {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #refreshBeforeExpMs: number
  readonly #providerTimeoutMs: number
  /** In insertion order: the last one is the newest. */
  readonly #providers = new Map<string, TokenProvider>()
  readonly #listeners = new Set<(token: string | null) => void>()
  #state: State = { name: 'idle' }
  #token: string | null = null
  #generation = 0
  #waiters: Array<(token: string | null) => void> = []
  #timer: TimerId | null = null

  constructor(options: AuthTokenOptions) {
    this.#clock = options.clock
    this.#logger = options.logger
    this.#refreshBeforeExpMs = options.refreshBeforeExpMs ?? 60_000
    this.#providerTimeoutMs = options.providerTimeoutMs ?? 10_000
  }

  get token(): string | null {
    return this.#token
  }

  setAuth(token: string | null): Promise<void> {
    if (this.#state.name === 'disposed') return Promise.resolve()
    if (token) this.#settle({ name: 'manual' }, token)
    else if (this.#providers.size > 0) return this.#refresh()
    else this.#settle({ name: 'idle' }, null)
    return Promise.resolve()
  }

  addProvider(id: string, provider: TokenProvider): void {
    if (this.#state.name === 'disposed') return
    this.#providers.delete(id)
    this.#providers.set(id, provider)
  }

  removeProvider(id: string): void {
    this.#providers.delete(id)
    if (this.#state.name === 'asking' && this.#state.providerId === id) this.#state.call?.stop()
  }

  refresh(): Promise<void> {
    if (this.#state.name === 'manual' || this.#state.name === 'disposed') return Promise.resolve()
    return this.#refresh()
  }

  settled(): Promise<string | null> {
    if (this.#state.name !== 'asking') return Promise.resolve(this.#token)
    return new Promise((resolve) => this.#waiters.push(resolve))
  }

  onChange(listener: (token: string | null) => void): () => void {
    if (this.#state.name === 'disposed') return () => {}
    this.#listeners.add(listener)
    return () => {
      this.#listeners.delete(listener)
    }
  }

  dispose(): void {
    if (this.#state.name === 'disposed') return
    this.#leave({ name: 'disposed' })
    this.#providers.clear()
    this.#listeners.clear()
    this.#releaseWaiters()
  }

  #refresh(): Promise<void> {
    const generation = this.#leave({ name: 'idle' })
    this.#state = { name: 'asking', generation, providerId: null, call: null }
    this.#ask(generation).catch((error: unknown) => {
      this.#logger.error('auth: token request failed unexpectedly; keeping the current token', error)
      if (this.#isCurrent(generation)) this.#settle({ name: 'idle' }, this.#token)
    })
    // #ask may have settled synchronously (no provider to wait for).
    if (this.#state.name !== 'asking') return Promise.resolve()
    return new Promise((resolve) => this.#waiters.push(() => resolve()))
  }

  async #ask(generation: number): Promise<void> {
    const newestFirst = Array.from(this.#providers).toReversed()
    for (const [id, provider] of newestFirst) {
      if (this.#providers.get(id) !== provider) continue
      const call = callProvider(provider, this.#clock, this.#providerTimeoutMs)
      this.#state = { name: 'asking', generation, providerId: id, call }
      const answer = await call.answer
      if (!this.#isCurrent(generation)) return
      if (answer.kind === 'token') return this.#settle({ name: 'idle' }, answer.token)
      const what = answer.why === 'garbage' ? `returned a non-string (${answer.type})` : answer.why === 'stopped' ? 'was removed' : answer.why
      this.#logger.warn(`auth: token provider "${id}" ${what}; asking the next one`, answer.why === 'threw' ? answer.error : undefined)
    }
    if (newestFirst.length > 0) this.#logger.warn('auth: no token provider answered; keeping the current token')
    this.#settle({ name: 'idle' }, this.#token)
  }

  #isCurrent(generation: number): boolean {
    return this.#state.name === 'asking' && this.#state.generation === generation
  }

  /** Ends whatever runs now (a request, the refresh timer) and enters `next`; returns the new generation. */
  #leave(next: State): number {
    if (this.#state.name === 'asking') this.#state.call?.stop()
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
    this.#state = next
    return ++this.#generation
  }

  /** Enters `next` with `token`; then, unless a listener started something newer, arms the timer and releases settled(). */
  #settle(next: { name: 'idle' | 'manual' }, token: string | null): void {
    const generation = this.#leave(next)
    this.#apply(token)
    if (generation !== this.#generation) return
    if (next.name === 'idle') this.#schedule()
    this.#releaseWaiters()
  }

  #schedule(): void {
    const exp = this.#token === null ? undefined : jwtExp(this.#token)
    const delay = exp === undefined ? undefined : refreshDelay(exp * 1000 - this.#clock.now(), this.#refreshBeforeExpMs)
    if (delay === undefined) return
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null
      void this.refresh()
    }, delay)
  }

  #apply(token: string | null): void {
    if (token === this.#token) return
    this.#token = token
    for (const listener of this.#listeners) {
      try {
        listener(token)
      } catch (error) {
        this.#logger.error('auth: an onChange listener threw', error)
      }
    }
  }

  #releaseWaiters(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const resolve of waiters) resolve(this.#token)
  }
}
