// A tab session's outgoing events: batched per task (one sink call per turn of the
// clock), order kept, and bounded. A tab that stops draining (frozen, hung) stops
// acknowledging batches; once more than `limit` events are unacknowledged, further
// events for that tab are dropped and counted, and when it drains again it first gets
// a `gap` event with the count, so the app can refetch. No other tab waits for it.
// Hosts that deliver synchronously (the in-page host) acknowledge each batch at once.

import type { Clock, TimerId } from './clock.ts'
import type { EngineEvent } from './events.ts'

export type Sink = (batch: EngineEvent[]) => void

export class SessionQueue {
  readonly #clock: Clock
  readonly #sink: Sink
  readonly #limit: number
  #queued: EngineEvent[] = []
  #unacked = 0
  #dropped = 0
  #timer: TimerId | undefined
  #closed = false

  constructor(clock: Clock, sink: Sink, limit: number) {
    this.#clock = clock
    this.#sink = sink
    this.#limit = limit
  }

  /** Events delivered but not yet acknowledged, plus those waiting for the next batch. */
  get depth(): number {
    return this.#unacked + this.#queued.length
  }

  get dropped(): number {
    return this.#dropped
  }

  push(event: EngineEvent): void {
    if (this.#closed) return
    if (this.depth >= this.#limit) {
      this.#dropped++
      return
    }
    this.#queued.push(event)
    this.#timer ??= this.#clock.setTimeout(() => this.#flush(), 0)
  }

  /** The tab processed `count` events. */
  ack(count: number): void {
    this.#unacked = Math.max(0, this.#unacked - count)
    if (this.#dropped > 0 && this.depth < this.#limit / 2) {
      const dropped = this.#dropped
      this.#dropped = 0
      this.#queued.unshift({ type: 'gap', dropped })
      this.#timer ??= this.#clock.setTimeout(() => this.#flush(), 0)
    }
  }

  #flush(): void {
    this.#timer = undefined
    if (this.#closed || this.#queued.length === 0) return
    const batch = this.#queued
    this.#queued = []
    this.#unacked += batch.length
    this.#sink(batch)
  }

  close(): void {
    this.#closed = true
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
    this.#queued = []
  }
}
