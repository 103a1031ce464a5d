// A tab session's outgoing events: batched per task (one sink call per turn of the
// clock), order kept, and bounded. A tab that stops draining (frozen, hung) stops
// acknowledging batches; once more than `limit` events are unacknowledged, further
// events for that tab are dropped and counted, and when it drains again it first gets
// a `gap` event with the count, so the app can refetch. No other tab waits for it.
// Hosts that deliver synchronously (the in-page host) acknowledge each batch at once.
//
// `eager` (the worker hosts, whose sink only posts to another thread): an event that finds the
// queue idle goes at the end of the current task (a microtask, with every event of the same
// run: a SUBSCRIBED and the presence state told right after it go together) instead of one turn
// later. The queue is busy within the millisecond of its last batch (by the clock): events then
// wait for the next turn, so frames faster than the tab runs still go in one batch per turn, and
// an idle queue arms no timer at all.
//
// hold(policy) (a hidden tab, decision 81): events wait up to `policy.ms` after the first one
// queued, or until `policy.max` are queued, and go in one batch: fewer tasks and wake-ups for a
// tab no one looks at. `status`, `connection` and `gap` go at once (with everything before them):
// the app's control flow waits on them. A `heartbeat` wakes no one: it waits for the next batch,
// and only the latest one waits. hold(undefined) (the tab is visible again) delivers what waits now.
// Order, the bound, acks and the gap rule are the same in every mode.

import { GE } from '@shared-realtime/protocol'
import type { Clock, TimerId } from './clock.ts'
import type { EngineEvent } from './events.ts'

export type Sink = (batch: EngineEvent[]) => void

/** How a hidden tab's events are held (SessionQueue.hold). */
export interface HoldPolicy {
  /** The longest an event waits, in ms (> 0). */
  readonly ms: number
  /** A batch goes once this many events are queued (≥ 1). */
  readonly max: number
}

export interface SessionQueueOptions {
  /** Unacknowledged events (delivered or waiting) before further ones are dropped and counted. */
  readonly limit: number
  /** Deliver an event that finds the queue idle at once (see above). Default false. */
  readonly eager?: boolean
}

/** Events a held queue delivers at once: the app's control flow waits on them. */
const URGENT: ReadonlySet<EngineEvent['type']> = new Set(['status', 'connection', 'gap'])

export class SessionQueue {
  readonly #clock: Clock
  readonly #sink: Sink
  readonly #limit: number
  readonly #eager: boolean
  #queued: EngineEvent[] = []
  #unacked = 0
  #dropped = 0
  #timer: TimerId | undefined
  /** When the armed timer is due. */
  #due = 0
  #hold: HoldPolicy | undefined
  /** An eager delivery waits for the end of the current task. */
  #soon = false
  /** When the last batch went (eager: the queue is busy within the same millisecond). */
  #lastAt = Number.NEGATIVE_INFINITY
  #closed = false

  constructor(clock: Clock, sink: Sink, options: SessionQueueOptions) {
    this.#clock = clock
    this.#sink = sink
    this.#limit = options.limit
    this.#eager = options.eager === true
  }

  /** Events delivered but not yet acknowledged, plus those waiting for the next batch. */
  get depth(): number {
    return this.#unacked + this.#queued.length
  }

  get dropped(): number {
    return this.#dropped
  }

  /** The hold in force (a hidden tab), or undefined. */
  get held(): HoldPolicy | undefined {
    return this.#hold
  }

  push(event: EngineEvent): void {
    if (this.#closed) return
    if (this.#depthFor(event) >= this.#limit) {
      this.#dropped++
      return
    }
    const hold = this.#hold
    if (hold && event.type === 'heartbeat') {
      // wakes no one; only the latest waits
      const earlier = this.#queued.findLastIndex((e) => e.type === 'heartbeat')
      if (earlier >= 0) this.#queued.splice(earlier, 1)
      this.#queued.push(event)
      return
    }
    this.#queued.push(event)
    if (hold) return this.#arm(URGENT.has(event.type) || this.#queued.length >= hold.max ? 0 : hold.ms)
    if (this.#soon) return
    if (!this.#eager || this.#timer !== undefined || this.#clock.now() - this.#lastAt < 1) return this.#arm(0)
    // idle: this event (and those of the same run) go at the end of this task
    this.#soon = true
    void Promise.resolve().then(() => {
      this.#soon = false
      if (this.#closed || this.#timer !== undefined || this.#queued.length === 0) return
      if (this.#hold) return this.#arm(this.#hold.ms)
      this.#deliver()
    })
  }

  /** The tab processed `count` events. */
  ack(count: number): void {
    this.#unacked = Math.max(0, this.#unacked - count)
    if (this.#dropped > 0 && this.depth < this.#limit / 2) {
      const dropped = this.#dropped
      this.#dropped = 0
      this.#queued.unshift({ type: 'gap', dropped })
      this.#arm(0)
    }
  }

  /**
   * Holds this session's events (`policy`: a hidden tab) or stops holding them (undefined: what waits goes now).
   * @throws {RangeError} when `policy` is not { ms > 0, max ≥ 1 }
   */
  hold(policy: HoldPolicy | undefined): void {
    if (policy && !(policy.ms > 0 && Number.isFinite(policy.ms) && Number.isInteger(policy.max) && policy.max >= 1))
      throw new RangeError(`hold(): ms must be > 0 and max an integer ${GE} 1, got ${JSON.stringify(policy)}`)
    this.#hold = policy
    if (policy || this.#closed || this.#queued.length === 0) return
    this.#cancel()
    this.#deliver()
  }

  close(): void {
    this.#closed = true
    this.#cancel()
    this.#queued = []
  }

  /** The depth `event` would find: a held heartbeat replaces the one waiting. */
  #depthFor(event: EngineEvent): number {
    const replaces = this.#hold && event.type === 'heartbeat' && this.#queued.some((e) => e.type === 'heartbeat')
    return replaces ? this.depth - 1 : this.depth
  }

  /** A delivery in `ms` at the latest (an armed timer due sooner stays). */
  #arm(ms: number): void {
    const due = this.#clock.now() + ms
    if (this.#timer !== undefined) {
      if (this.#due <= due) return
      this.#clock.clearTimeout(this.#timer)
    }
    this.#due = due
    this.#timer = this.#clock.setTimeout(() => this.#fire(), ms)
  }

  #cancel(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #fire(): void {
    this.#timer = undefined
    if (this.#closed || this.#queued.length === 0) return
    if (this.#hold && this.#queued.every((e) => e.type === 'heartbeat')) return // heartbeats wait
    this.#deliver()
  }

  #deliver(): void {
    const batch = this.#queued
    this.#queued = []
    this.#unacked += batch.length
    this.#lastAt = this.#clock.now()
    this.#sink(batch)
  }
}
