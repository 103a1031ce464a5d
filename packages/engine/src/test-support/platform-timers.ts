// A stand-in for the platform's setTimeout / clearTimeout on a TestClock, for tests of the real
// clock (clock.ts clockOn): it records every delay it is handed and, like Node and the browsers,
// fires a delay over 2^31−1 ms (or one that is not finite) after 1 ms instead.

import { type TimerGlobals, MAX_TIMER_MS } from '../clock.ts'
import type { TestClock } from '../test-clock.ts'

export class PlatformTimers implements TimerGlobals {
  /** Every delay handed to setTimeout, in order. */
  readonly delays: number[] = []
  readonly #clock: TestClock

  constructor(clock: TestClock) {
    this.#clock = clock
  }

  setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms)
    return this.#clock.setTimeout(callback, Number.isFinite(ms) && ms <= MAX_TIMER_MS ? ms : 1)
  }

  clearTimeout(id: unknown): void {
    if (typeof id === 'number') this.#clock.clearTimeout(id)
  }
}
