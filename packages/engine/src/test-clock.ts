// A simulated clock for tests: time moves only when the test says so. advance(ms) and
// set(t) fire due timers in deadline order (ties in the order they were set); a timer
// set while firing runs in the same advance if it is due by then. Time never goes back.

import type { Clock, TimerId } from './clock.ts'

interface Timer {
  id: number
  at: number
  seq: number
  callback: () => void
}

export class TestClock implements Clock {
  #now: number
  #timers = new Map<number, Timer>()
  #nextId = 1
  #seq = 0

  constructor(start = 1_800_000_000_000) {
    this.#now = start
  }

  now(): number {
    return this.#now
  }

  setTimeout(callback: () => void, ms: number): TimerId {
    const id = this.#nextId++
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), seq: this.#seq++, callback })
    return id
  }

  clearTimeout(id: TimerId): void {
    if (typeof id === 'number') this.#timers.delete(id)
  }

  /** Moves time forward by `ms`, firing every timer due by then, in deadline order. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`TestClock.advance: ms must be ≥ 0, got ${ms}`)
    this.set(this.#now + ms)
  }

  /** Moves time to `t` (≥ now), firing every timer due by then. */
  set(t: number): void {
    if (t < this.#now) throw new RangeError(`TestClock.set: time cannot go back (now ${this.#now}, asked ${t})`)
    for (;;) {
      let next: Timer | undefined
      for (const timer of this.#timers.values()) {
        if (timer.at <= t && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)))
          next = timer
      }
      if (!next) break
      this.#timers.delete(next.id)
      this.#now = next.at
      next.callback()
    }
    this.#now = t
  }

  /** Fires timers due now (set with 0 ms) without moving time. */
  flush(): void {
    this.set(this.#now)
  }

  /** Deadlines of pending timers, soonest first, relative to now. */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.#now).toSorted((a, b) => a - b)
  }
}
