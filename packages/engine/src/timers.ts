// Named one-shot timers on an injected Clock: the machines' start-timer / cancel-timer
// effects, carried out. Starting a timer replaces one of the same name; cancelling a
// timer that is not running is a no-op.
import type { Clock, TimerId } from './clock.ts'

export class Timers<Name extends string> {
  readonly #clock: Clock
  readonly #running = new Map<Name, TimerId>()

  constructor(clock: Clock) {
    this.#clock = clock
  }

  start(name: Name, ms: number, fire: () => void): void {
    this.cancel(name)
    this.#running.set(
      name,
      this.#clock.setTimeout(() => {
        this.#running.delete(name)
        fire()
      }, ms),
    )
  }

  cancel(name: Name): void {
    const timer = this.#running.get(name)
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    this.#running.delete(name)
  }

  cancelAll(): void {
    for (const timer of this.#running.values()) this.#clock.clearTimeout(timer)
    this.#running.clear()
  }
}
