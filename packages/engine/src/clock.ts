// Time, injected. Everything in the engine that waits reads a Clock, so tests drive
// time with a TestClock (test-clock.ts) and never sleep. The real clock reads the
// globals lazily, at call time, so fake timers or a worker's own timers installed
// after import are the ones used.
//
// The contract: setTimeout(callback, ms) calls back once, never before `ms` has passed, for
// any ms (negative or NaN: 0; Infinity: never). The platforms' setTimeout does not keep it past
// 2^31−1 ms (~24.8 days): a longer delay overflows and fires after 1 ms (Node also prints a
// TimeoutOverflowWarning). The real clock therefore never hands the platform more than
// MAX_TIMER_MS: a longer timer waits in steps of at most MAX_TIMER_MS, re-arming itself with
// what is left, and calls back only after the last step (late by the platform's usual drift,
// never early).

export type TimerId = number | object

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number): TimerId
  clearTimeout(id: TimerId): void
}

/** The longest delay the platforms' setTimeout keeps: 2^31−1 ms (a signed 32-bit int). */
export const MAX_TIMER_MS = 2 ** 31 - 1

/** The platform's timer functions (globalThis's, or a test's stand-in). */
export interface TimerGlobals {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

/** A timer longer than MAX_TIMER_MS: the platform timer of its current step. */
class LongTimer {
  step: unknown
  left: number
  constructor(ms: number) {
    this.left = ms
  }
}

/** A real clock on `globals` (read at each call), `now` from `now`. */
export function clockOn(globals: () => TimerGlobals, now: () => number = () => Date.now()): Clock {
  return {
    now,
    setTimeout: (callback, ms) => {
      const delay = ms > 0 ? ms : 0
      if (delay <= MAX_TIMER_MS) return globals().setTimeout(callback, delay) as TimerId
      const timer = new LongTimer(delay)
      const arm = () => {
        const step = Math.min(timer.left, MAX_TIMER_MS)
        timer.left -= step
        timer.step = globals().setTimeout(timer.left > 0 ? arm : callback, step)
      }
      arm()
      return timer
    },
    clearTimeout: (id) => globals().clearTimeout(id instanceof LongTimer ? id.step : id),
  }
}

export const realClock: Clock = clockOn(() => globalThis as unknown as TimerGlobals)
