// Runs in the tab (host 'leader', decision 78). Which tab of the origin leads: the one that runs the engine's worker
// for all of them. Two elections behind one interface:
// - LockElection (where Web Locks exist: secure contexts): every tab requests the one versioned lock; the holder
//   leads, the others queue and the next one is granted it when the leader's page dies or lets go. takeOver() steals
//   it from a leader that holds it but does not answer (frozen): the old holder's request then rejects, and it hears
//   `deposed`.
// - LeaseElection (no Web Locks: a plain-http origin): a lease over a BroadcastChannel, LEASE below. The leader
//   posts `lease {tab, term}` every heartbeatMs; a follower that hears none for leaseMs, or hears the leader resign,
//   claims the next term (`claim {tab, term}`) and leads if no better claim or lease came within claimMs (higher term
//   wins; equal terms: the smaller tab id). A claim of a higher term deposes a leader (it was silent too long); a
//   leader that hears a lease of a higher term, or of its own term from a smaller id, steps down.
// Both tell the node `elected` and `deposed`; neither knows what leading means (leader.ts).

import { type Clock, realClock, type TimerId } from '@shared-realtime/engine'
import { isRecord } from '@shared-realtime/protocol'

export interface ElectionEvents {
  /** This tab leads from now on. */
  elected(): void
  /** This tab led and no longer does (its lock was stolen, or another tab won the lease). */
  deposed(): void
}

export interface Election {
  start(events: ElectionEvents): void
  /** Takes over from a leader that holds the lead but does not answer (frozen). No-op while leading. */
  takeOver(): void
  /** Stops campaigning; a leader lets go (the next tab leads). */
  stop(): void
}

/** The part of Web Locks the election uses. */
export interface ElectionLocks {
  request(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean },
    callback: () => Promise<void>,
  ): Promise<unknown>
}

export class LockElection implements Election {
  readonly #locks: ElectionLocks
  readonly #name: string
  #events: ElectionEvents | undefined
  /** Leaves the queue (a request not granted yet). */
  #queued: AbortController | undefined
  /** Lets go of the lock while it is held. */
  #release: (() => void) | undefined
  #stopped = false

  constructor(locks: ElectionLocks, name: string) {
    this.#locks = locks
    this.#name = name
  }

  get leading(): boolean {
    return this.#release !== undefined
  }

  start(events: ElectionEvents): void {
    this.#events = events
    this.#request(false)
  }

  takeOver(): void {
    if (this.#stopped || this.#release) return
    this.#queued?.abort()
    this.#queued = undefined
    this.#request(true)
  }

  stop(): void {
    this.#stopped = true
    this.#queued?.abort()
    this.#queued = undefined
    const release = this.#release
    this.#release = undefined
    release?.()
  }

  #request(steal: boolean): void {
    let held = false
    const queued = steal ? undefined : new AbortController()
    this.#queued = queued
    // (a steal takes no signal: the platform refuses the pair)
    const options = steal ? { steal: true } : { signal: (queued as AbortController).signal }
    this.#locks
      .request(
        this.#name,
        options,
        () =>
          new Promise<void>((release) => {
            if (this.#stopped) return release()
            held = true
            if (this.#queued === queued) this.#queued = undefined
            this.#release = release
            this.#events?.elected()
          }),
      )
      .catch(() => {
        // aborted in the queue (takeOver, stop): nothing was held. Held and rejected: stolen by a follower.
        if (!held || this.#stopped) return
        this.#release = undefined
        this.#events?.deposed()
        this.#request(false)
      })
  }
}

/**
 * The lease's timing (decision 78). A leader that dies without a word (crash) is replaced within
 * leaseMs + heartbeatMs + claimMs = 6.5 s of its last heartbeat; one that closes resigns on `pagehide` and is
 * replaced within claimMs; two leaders (a frozen one resuming) coexist until the first lease each hears of the
 * other: at most heartbeatMs. A tab that starts alone leads after 2 × claimMs (the query's wait, then its claim).
 */
export const LEASE = { heartbeatMs: 1000, leaseMs: 5000, claimMs: 250 } as const

export type LeaseMessage =
  | { type: 'lease'; tab: string; term: number }
  | { type: 'claim'; tab: string; term: number }
  | { type: 'resign'; tab: string; term: number }
  | { type: 'query'; tab: string; term: number }

/** Where lease messages go and come from (a BroadcastChannel: every other tab hears, not the sender). */
export interface LeaseBus {
  post(message: LeaseMessage): void
  /** Every message another tab posted (unvalidated); returns how to stop listening. */
  listen(receive: (message: unknown) => void): () => void
}

const TYPES = new Set(['lease', 'claim', 'resign', 'query'])

/** A lease message, or undefined when `data` is not one (another app's, garbage). */
export function readLeaseMessage(data: unknown): LeaseMessage | undefined {
  if (!isRecord(data) || typeof data.type !== 'string' || !TYPES.has(data.type)) return undefined
  const { tab, term } = data
  if (typeof tab !== 'string' || tab.length === 0 || tab.length > 100) return undefined
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0) return undefined
  return { type: data.type as LeaseMessage['type'], tab, term }
}

type LeaseState = 'idle' | 'follower' | 'candidate' | 'leader'

export class LeaseElection implements Election {
  readonly #bus: LeaseBus
  readonly #clock: Clock
  readonly #tab: string
  readonly #timing: typeof LEASE
  #events: ElectionEvents | undefined
  #state: LeaseState = 'idle'
  /** The highest term seen (or claimed, or led). */
  #term = 0
  /** The leader the follower hears, and when it last did. */
  #leader: string | undefined
  #heardAt = Number.NEGATIVE_INFINITY
  #timer: TimerId | undefined
  #unlisten: (() => void) | undefined
  /** Messages that were no lease message (counted, dropped). */
  dropped = 0

  constructor(bus: LeaseBus, tab: string, clock: Clock = realClock, timing: typeof LEASE = LEASE) {
    this.#bus = bus
    this.#tab = tab
    this.#clock = clock
    this.#timing = timing
  }

  get state(): LeaseState {
    return this.#state
  }

  get term(): number {
    return this.#term
  }

  start(events: ElectionEvents): void {
    if (this.#state !== 'idle') return
    this.#events = events
    this.#state = 'follower'
    this.#unlisten = this.#bus.listen((data) => this.#receive(data))
    // a leader answers at once; no answer within claimMs: nobody leads (a full lease's wait would delay the first tab)
    this.#heardAt = this.#clock.now() - this.#timing.leaseMs + this.#timing.claimMs
    this.#post('query')
    this.#arm(this.#timing.claimMs)
  }

  takeOver(): void {
    if (this.#state === 'follower') this.#campaign()
  }

  stop(): void {
    if (this.#state === 'idle') return
    if (this.#state === 'leader') this.#post('resign')
    this.#state = 'idle'
    this.#disarm()
    this.#unlisten?.()
    this.#unlisten = undefined
  }

  #post(type: LeaseMessage['type']): void {
    this.#bus.post({ type, tab: this.#tab, term: this.#term })
  }

  #arm(ms: number): void {
    this.#disarm()
    this.#timer = this.#clock.setTimeout(() => this.#due(), ms)
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #due(): void {
    this.#timer = undefined
    switch (this.#state) {
      case 'follower':
        if (this.#clock.now() - this.#heardAt >= this.#timing.leaseMs) return this.#campaign()
        return this.#arm(this.#timing.heartbeatMs)
      case 'candidate':
        // nobody better spoke up within claimMs
        this.#state = 'leader'
        this.#leader = this.#tab
        this.#post('lease')
        this.#arm(this.#timing.heartbeatMs)
        return this.#events?.elected()
      case 'leader':
        this.#post('lease')
        return this.#arm(this.#timing.heartbeatMs)
      case 'idle':
        return
    }
  }

  #campaign(): void {
    this.#state = 'candidate'
    this.#term += 1
    this.#post('claim')
    this.#arm(this.#timing.claimMs)
  }

  /** Follows `tab`, heard now at `term`. */
  #follow(tab: string | undefined, term: number): void {
    const was = this.#state
    this.#state = 'follower'
    this.#term = Math.max(this.#term, term)
    this.#leader = tab
    this.#heardAt = this.#clock.now()
    this.#arm(this.#timing.heartbeatMs)
    if (was === 'leader') this.#events?.deposed()
  }

  #receive(data: unknown): void {
    if (this.#state === 'idle') return
    const message = readLeaseMessage(data)
    if (!message) return void this.dropped++
    if (message.tab === this.#tab) return // a forged copy of our own id: ignore
    const { type, tab, term } = message
    const beats = (mine: number): boolean => term > mine || (term === mine && tab < this.#tab)
    switch (type) {
      case 'query':
        if (this.#state === 'leader') this.#post('lease')
        return
      case 'lease':
        if (this.#state === 'leader') return beats(this.#term) ? this.#follow(tab, term) : this.#post('lease')
        if (term >= this.#term) return this.#follow(tab, term)
        return // a stale leader's (it will hear ours, or the current leader's, and step down)
      case 'claim':
        if (this.#state === 'leader') return term > this.#term ? this.#follow(undefined, term) : this.#post('lease')
        if (this.#state === 'candidate') return beats(this.#term) ? this.#follow(undefined, term) : undefined
        // a follower leaves the claimant its chance: a full lease before claiming itself
        this.#term = Math.max(this.#term, term)
        this.#heardAt = this.#clock.now()
        return
      case 'resign':
        if (this.#state === 'follower' && tab === this.#leader) this.#campaign()
        return
    }
  }
}
