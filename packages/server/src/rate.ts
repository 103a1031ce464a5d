// Rolling rate counters for the server-wide limits (PROTOCOL.md §3.7). Supabase
// averages 5-second buckets over a minute; a dev server needs the effect, not the
// exact curve: events in the last `windowMs`, divided by the window in seconds (events:
// 5 s, one Supabase bucket, so a short burst is averaged as Supabase does; joins: 1 s).

export class RateCounter {
  readonly #windowMs: number
  readonly #now: () => number
  #times: number[] = []
  #head = 0

  constructor(windowMs: number, now: () => number) {
    this.#windowMs = windowMs
    this.#now = now
  }

  #trim(now: number): void {
    while (this.#head < this.#times.length && this.#times[this.#head]! <= now - this.#windowMs) this.#head++
    if (this.#head > 1024 && this.#head * 2 > this.#times.length) {
      this.#times = this.#times.slice(this.#head)
      this.#head = 0
    }
  }

  /** Records `n` events now. */
  add(n = 1): void {
    const now = this.#now()
    this.#trim(now)
    for (let i = 0; i < n; i++) this.#times.push(now)
  }

  /** Events per second over the window. */
  rate(): number {
    this.#trim(this.#now())
    return ((this.#times.length - this.#head) * 1000) / this.#windowMs
  }
}
