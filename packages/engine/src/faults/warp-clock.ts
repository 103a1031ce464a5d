// A real-time clock that a test can move forward: timers run on the real event loop (so real
// sockets and the dev server keep working), and warp(ms) jumps the engine's time ahead,
// firing at once what became due. Used where a backoff of 10 s or more (the rate-limit
// floor, rejoin steps) would otherwise be waited for, and to watch a minute of engine time
// for retries. Keep heartbeats longer than any warp, or the warp itself times them out.

import type { Clock, TimerId } from '../clock.ts'

interface Pending {
  at: number
  callback: () => void
  handle: ReturnType<typeof setTimeout>
}

export class WarpClock implements Clock {
  #offset = 0
  #nextId = 1
  readonly #timers = new Map<number, Pending>()

  now(): number {
    return Date.now() + this.#offset
  }

  setTimeout(callback: () => void, ms: number): TimerId {
    const id = this.#nextId++
    const at = this.now() + Math.max(0, ms)
    this.#timers.set(id, { at, callback, handle: this.#arm(id, at) })
    return id
  }

  clearTimeout(id: TimerId): void {
    if (typeof id !== 'number') return
    const timer = this.#timers.get(id)
    if (timer) clearTimeout(timer.handle)
    this.#timers.delete(id)
  }

  /** Moves time forward by `ms`; timers now due fire on the next turns of the event loop. */
  warp(ms: number): void {
    this.#offset += ms
    for (const [id, timer] of this.#timers) {
      clearTimeout(timer.handle)
      timer.handle = this.#arm(id, timer.at)
    }
  }

  /** Deadlines of the pending timers, relative to now, soonest first. */
  pending(): number[] {
    const now = this.now()
    return [...this.#timers.values()].map((t) => t.at - now).toSorted((a, b) => a - b)
  }

  #arm(id: number, at: number): ReturnType<typeof setTimeout> {
    return setTimeout(
      () => {
        const timer = this.#timers.get(id)
        if (!timer) return
        this.#timers.delete(id)
        timer.callback()
      },
      Math.max(0, at - this.now()),
    )
  }
}
