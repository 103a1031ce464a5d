// What a bench page does with each message it receives: count it, check its sequence number
// and record its latency. Kept to a few typed-array writes so that it costs both clients the same.

export interface BlastMessage {
  payload: { seq: number; t: number }
}

export interface ReceiverSummary {
  received: number
  /** Messages whose seq was not the one after the previous (lost, reordered or duplicated). */
  gaps: number
  /** Clock readings at the first and the last message (performance.timeOrigin + performance.now()). */
  firstAt: number
  lastAt: number
}

export class Receiver {
  readonly #now: () => number
  #latency = new Float64Array(0)
  #received = 0
  #gaps = 0
  #nextSeq = 0
  #firstAt = 0
  #lastAt = 0
  #waiter: { count: number; resolve: () => void } | undefined

  constructor(now: () => number) {
    this.#now = now
  }

  reset(capacity: number): void {
    this.#latency = new Float64Array(capacity)
    this.#received = 0
    this.#gaps = 0
    this.#nextSeq = 0
    this.#firstAt = 0
    this.#lastAt = 0
  }

  readonly onMessage = (message: BlastMessage): void => {
    const at = this.#now()
    const { seq, t } = message.payload
    if (this.#received < this.#latency.length) this.#latency[this.#received] = at - t
    if (seq !== this.#nextSeq) this.#gaps++
    this.#nextSeq = seq + 1
    if (this.#received === 0) this.#firstAt = at
    this.#lastAt = at
    this.#received++
    if (this.#waiter && this.#received >= this.#waiter.count) {
      this.#waiter.resolve()
      this.#waiter = undefined
    }
  }

  summary(): ReceiverSummary {
    return { received: this.#received, gaps: this.#gaps, firstAt: this.#firstAt, lastAt: this.#lastAt }
  }

  latencies(): number[] {
    return Array.from(this.#latency.subarray(0, Math.min(this.#received, this.#latency.length)))
  }

  waitFor(count: number, timeoutMs: number): Promise<ReceiverSummary> {
    if (this.#received >= count) return Promise.resolve(this.summary())
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiter = undefined
        resolve(this.summary())
      }, timeoutMs)
      this.#waiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve(this.summary())
        },
      }
    })
  }
}
