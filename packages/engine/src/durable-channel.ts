// The durable outbox of one server channel (the storage side is durable.ts). A durable send
// is stored first; then, whenever the channel is joined — at each (re)join, after each
// durable send, when a lease of another engine runs out, after a push ended unanswered —
// the channel claims the stored items it may push (oldest first, as many as its outbox has
// room for) and queues them like any push. The server's answer deletes the item at once
// (Outbox `onReply`); a push that ends unanswered releases its claim and stays stored.
// An acknowledged item is echoed to the local subscriptions like any broadcast: without
// the sender's own subscription (unless `self`) when it was sent through this engine, to
// every subscription when it comes from storage (its sender is gone).
// The sender's promise: with `ack`, the server's answer to the push, or 'timed out' after
// `timeoutMs` (the item stays stored and still goes out); without `ack`, 'ok' once stored.
// The waiter is registered before the item is stored or looked up: a send run again with the
// same id (a tab's link reruns it on a new engine after its worker or leader tab died) may find
// the item already claimed and pushed by this engine's outbox, and the server's reply may come
// while the store's transaction completes; registered first, it hears that reply. Every send of
// one id waiting at once hears it.
// A refusal never loops: an error reply deletes the item at once; a 1009 close while its push
// waited, or no answer while the socket stayed up, is a strike (durable.ts), and at MAX_STRIKES
// the item is deleted as failed. A failed item is reported to every subscription of the topic
// (`failed`: a `system` event) and its waiting sender resolves 'error'.
// Items are stored under the identity of the engine's token (once settled) and taken only
// under the same identity.

import type { Clock, TimerId } from './clock.ts'
import type { AddOutcome, DurableEntry, DurableStore } from './durable.ts'
import type { Logger } from './logger.ts'
import type { OutboxPush, PushResult } from './outbox.ts'

/** What a durable push tells its channel, besides its result. */
export type DurablePushHooks = Required<Pick<OutboxPush, 'onReply' | 'onSent' | 'onLost'>>

/** The close code of a frame too large for the server (RFC 6455). */
const MESSAGE_TOO_BIG = 1009

export interface DurableChannelHost {
  topic: string
  clock: Clock
  logger: Logger
  timeoutMs: number
  joined(): boolean
  /** Free places in the channel's outbox. */
  room(): number
  /** Queues a broadcast push (sent once joined); `hooks.onReply` runs when the server answers it. */
  push(payload: Record<string, unknown>, hooks: DurablePushHooks): Promise<PushResult>
  /** The server accepted it: echo to the local subscriptions (`sender`: the sending subscription's key, if known). */
  delivered(payload: Record<string, unknown>, sender: string | undefined): void
  /** It failed for good (deleted): tell the topic's subscriptions. */
  failed(id: string, reason: string): void
  /** The identity of the engine's token now (jwt.ts tokenIdentity). */
  identity(): string
  /** The identity of the engine's token once no token request is in flight. */
  settledIdentity(): Promise<string>
}

/** A lease covers the push's timeout plus this much. */
const LEASE_MARGIN_MS = 2000

interface Waiter {
  resolve: (result: PushResult) => void
  timer: TimerId
}

export class DurableChannel {
  readonly #store: DurableStore
  readonly #host: DurableChannelHost
  /** Durable sends of this engine waiting for the answer to their push, by item id (a rerun may wait beside the first). */
  readonly #waiters = new Map<string, Set<Waiter>>()
  /** Senders of items pushed through this engine, for the echo (waiters may have timed out). */
  readonly #senders = new Map<string, string>()
  #takes: Promise<void> = Promise.resolve()
  #more = false
  #leaseTimer: TimerId | undefined
  #disposed = false

  constructor(store: DurableStore, host: DurableChannelHost) {
    this.#store = store
    this.#host = host
  }

  /** Durable sends waiting for their push's answer. */
  get waiting(): number {
    let n = 0
    for (const waiters of this.#waiters.values()) n += waiters.size
    return n
  }

  async send(
    sender: string,
    id: string,
    payload: Record<string, unknown>,
    options: { timeoutMs: number; ttlMs: number; awaitAck: boolean },
  ): Promise<PushResult> {
    // waiting before the first await: the item may be pushed and answered while it is stored or looked up
    const waiter = options.awaitAck ? this.#wait(id, options.timeoutMs) : undefined
    const knownSender = this.#senders.has(id)
    if (!knownSender) this.#senders.set(id, sender)
    let outcome: AddOutcome
    try {
      const identity = await this.#host.settledIdentity()
      outcome = await this.#store.add(this.#host.topic, id, payload, options.ttlMs, identity)
    } catch (error) {
      if (waiter) this.#settle(id, waiter.waiter, 'error')
      if (!knownSender && !this.#waiters.has(id)) this.#senders.delete(id)
      throw error
    }
    if (outcome === 'acknowledged already' || outcome === 'failed already') {
      const result: PushResult = outcome === 'acknowledged already' ? 'ok' : 'error'
      if (waiter) this.#settle(id, waiter.waiter, result)
      if (!this.#waiters.has(id)) this.#senders.delete(id)
      return result
    }
    this.replay()
    return waiter ? waiter.result : 'ok'
  }

  /** The channel joined (or something else may let stored items go out): claim and queue them. */
  replay(): void {
    if (this.#disposed || !this.#host.joined()) return
    this.#takes = this.#takes
      .then(() => this.#take())
      .catch((error: unknown) => this.#host.logger.warn(`durable outbox: could not read ${this.#host.topic}`, error))
  }

  dispose(): void {
    this.#disposed = true
    if (this.#leaseTimer !== undefined) this.#host.clock.clearTimeout(this.#leaseTimer)
    this.#leaseTimer = undefined
    this.#senders.clear()
    // the items stay stored: their senders hear 'timed out' (not acknowledged), as after any deadline
    for (const [id, waiters] of this.#waiters) for (const waiter of waiters) this.#settle(id, waiter, 'timed out')
  }

  /** A waiter for the answer to item `id`'s push, registered now; 'timed out' after `timeoutMs`. */
  #wait(id: string, timeoutMs: number): { waiter: Waiter; result: Promise<PushResult> } {
    let waiter!: Waiter
    const result = new Promise<PushResult>((resolve) => {
      waiter = { resolve, timer: this.#host.clock.setTimeout(() => this.#settle(id, waiter, 'timed out'), timeoutMs) }
    })
    const waiters = this.#waiters.get(id) ?? new Set<Waiter>()
    waiters.add(waiter)
    this.#waiters.set(id, waiters)
    return { waiter, result }
  }

  #settle(id: string, waiter: Waiter, result: PushResult): void {
    const waiters = this.#waiters.get(id)
    if (!waiters?.delete(waiter)) return
    if (waiters.size === 0) this.#waiters.delete(id)
    this.#host.clock.clearTimeout(waiter.timer)
    waiter.resolve(result)
  }

  /** Every send waiting for item `id` hears `result`. */
  #settleAll(id: string, result: PushResult): void {
    for (const waiter of this.#waiters.get(id) ?? []) this.#settle(id, waiter, result)
  }

  async #take(): Promise<void> {
    if (this.#disposed || !this.#host.joined()) return
    const room = this.#host.room()
    const { entries, more, leasedUntil } = await this.#store.take(
      this.#host.topic,
      room,
      this.#host.timeoutMs + LEASE_MARGIN_MS,
      this.#host.identity(),
    )
    this.#more = more
    for (const entry of entries) this.#push(entry)
    if (leasedUntil !== undefined && !this.#disposed) {
      if (this.#leaseTimer !== undefined) this.#host.clock.clearTimeout(this.#leaseTimer)
      this.#leaseTimer = this.#host.clock.setTimeout(
        () => {
          this.#leaseTimer = undefined
          this.replay()
        },
        Math.max(0, leasedUntil - this.#host.clock.now()),
      )
    }
  }

  #push(entry: DurableEntry): void {
    if (this.#disposed) {
      void this.#store.release(entry)
      return
    }
    let answered = false
    let refusal: string | undefined
    let sent = false
    let lost: number | undefined | null = null
    const pushed = this.#host.push(entry.payload, {
      onReply: (status, response) => {
        answered = true
        if (status !== 'ok') refusal = refusalReason(response, status)
        // deleted the moment the answer arrives: the one window left is this write
        void this.#store.acknowledged(entry, refusal)
      },
      onSent: () => (sent = true),
      onLost: (code) => {
        lost = code
        if (code === MESSAGE_TOO_BIG) void this.#store.strike(entry) // counted at once: a reload does not reset it
      },
    })
    pushed.then(
      (result) => {
        const sender = this.#senders.get(entry.id)
        if (answered) {
          this.#senders.delete(entry.id)
          if (result === 'ok') this.#host.delivered(entry.payload, sender)
          else this.#failed(entry, refusal ?? 'refused')
          this.#settleAll(entry.id, result)
          if (this.#more) this.replay()
          return
        }
        // no answer: kept for another try (at once when still joined, else at the next join),
        // unless that was its last strike (no answer while the socket stayed up, or 1009 closes)
        const silent = result === 'timed out' && sent && lost === null
        void this.#store.release(entry, silent).then((outcome) => {
          if (outcome === 'failed') {
            const reason =
              lost === MESSAGE_TOO_BIG
                ? 'the server closed the socket 1009 (frame too large)'
                : 'no answer from the server'
            this.#senders.delete(entry.id)
            this.#failed(entry, reason)
            this.#settleAll(entry.id, 'error')
          }
          this.replay()
        })
      },
      (error: unknown) => {
        // the outbox is full: kept for later
        this.#host.logger.debug(`durable outbox: ${entry.id} on ${entry.topic} waits (${String(error)})`)
        void this.#store.release(entry)
      },
    )
  }

  #failed(entry: DurableEntry, reason: string): void {
    this.#host.logger.warn(`durable outbox: ${entry.id} on ${entry.topic} failed and was deleted: ${reason}`)
    this.#host.failed(entry.id, reason)
  }
}

/** The reason of an error reply: `payload_size_exceeded` (a bare string), `{ reason }`, or the status. */
function refusalReason(response: unknown, status: string): string {
  if (typeof response === 'string' && response !== '') return response
  if (typeof response === 'object' && response !== null) {
    const values = Object.values(response).map(String).join(', ')
    if (values !== '') return values
  }
  return status
}
