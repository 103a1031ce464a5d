// RateBudget: a token bucket on the injected clock, the unit behind the socket's guards (guards.ts):
// joins paced under the server's join rate, broadcasts under its event rate (DESIGN.md rule 14).
// - `burst` tokens at start; `perSecond` tokens come back per second, never more than `burst`.
// - `available` says whether one may go now; `take()` spends one (false, and nothing spent, when none is left).
// - `wait()`: someone needs a token: `refilled` is called once, when the next whole token is due
//   (one timer at most; calling wait() again before it fires changes nothing). Whoever still needs
//   one after that calls wait() again.
// - `dispose()` cancels the pending timer.
// Infinity as `perSecond` turns the budget off: always available.

import { GE } from '@shared-realtime/protocol'
import type { Clock, TimerId } from './clock.ts'

export interface RateBudgetOptions {
  clock: Clock
  /** Tokens per second (> 0; Infinity: no limit). */
  perSecond: number
  /** Tokens at most, and at start (≥ 1). */
  burst: number
  /** The next token is due after a wait(). */
  refilled: () => void
}

/** Below one token by less than this counts as one (floating-point refill). */
const EPSILON = 1e-9

export class RateBudget {
  readonly perSecond: number
  readonly burst: number
  readonly #clock: Clock
  readonly #refilled: () => void
  #tokens: number
  #at: number
  #timer: TimerId | null = null

  constructor(options: RateBudgetOptions) {
    const { perSecond, burst } = options
    if (!(perSecond > 0)) throw new RangeError(`a rate must be > 0 per second, got ${perSecond}`)
    if (!(burst >= 1) || (!Number.isInteger(burst) && burst !== Number.POSITIVE_INFINITY))
      throw new RangeError(`a burst must be an integer ${GE} 1, got ${burst}`)
    this.perSecond = perSecond
    this.burst = burst
    this.#clock = options.clock
    this.#refilled = options.refilled
    this.#tokens = burst
    this.#at = options.clock.now()
  }

  /** Whole tokens left now. */
  get tokens(): number {
    this.#refill()
    return Math.floor(this.#tokens + EPSILON)
  }

  get available(): boolean {
    return this.tokens >= 1
  }

  /** Whether a refill is awaited (a wait() is pending). */
  get waiting(): boolean {
    return this.#timer !== null
  }

  take(): boolean {
    if (!this.available) return false
    if (this.perSecond !== Number.POSITIVE_INFINITY) this.#tokens = Math.max(0, this.#tokens - 1)
    return true
  }

  wait(): void {
    if (this.#timer !== null) return
    this.#refill()
    const missing = Math.max(0, 1 - this.#tokens - EPSILON)
    const ms = Math.ceil((missing * 1000) / this.perSecond)
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = null
      this.#refilled()
    }, ms)
  }

  dispose(): void {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer)
    this.#timer = null
  }

  #refill(): void {
    const now = this.#clock.now()
    if (this.perSecond === Number.POSITIVE_INFINITY) this.#tokens = this.burst
    else this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) * this.perSecond) / 1000)
    this.#at = now
  }
}
