// Time, injected. Everything in the engine that waits reads a Clock, so tests drive
// time with a TestClock (test-clock.ts) and never sleep. The real clock reads the
// globals lazily, at call time, so fake timers or a worker's own timers installed
// after import are the ones used.

export type TimerId = number | object

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number
  setTimeout(callback: () => void, ms: number): TimerId
  clearTimeout(id: TimerId): void
}

interface TimerGlobals {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(id: unknown): void
}

const timers = (): TimerGlobals => globalThis as unknown as TimerGlobals

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => timers().setTimeout(callback, ms) as TimerId,
  clearTimeout: (id) => timers().clearTimeout(id),
}
