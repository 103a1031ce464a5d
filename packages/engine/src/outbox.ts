// The Outbox: the pushes of one server channel (ServerChannel owns one; DurableChannel feeds it
// too), queued in order while the channel is not joined, sent in order once it is, each resolving
// 'ok' | 'timed out' | 'error' with realtime-js's ack semantics. It decides when it is full.
// - enqueue(): the push's timeout starts now (as realtime-js). Over `limit` queued pushes the
//   call returns a promise rejected with an OutboxFullError naming the topic and the limit
//   (nothing is dropped silently; realtime-js drops the oldest). Only queued (unsent) pushes
//   count towards the limit; pushes sent and waiting for a reply do not. `isFull` and `room`
//   say the same beforehand.
// - flush(send): the channel calls it when joined (and whenever a push is enqueued while
//   joined): sends every queued push in order through `send(event, payload)`, which returns
//   the ref it used, or null if it could not send (socket gone: stop, keep the rest queued).
//   A push already timed out is not sent. Pushes enqueued during a flush go out in the same flush;
//   a flush called from inside `send` is a no-op (the running one picks everything up). `send`
//   should not throw; if it does, that push resolves 'error' and the flush goes on.
// - A push with awaitReply false (a broadcast on a channel whose tab did not ask for ack)
//   resolves 'ok' as soon as it is sent (realtime-js resolves it at once, even while buffered; here
//   a buffered one that never gets out resolves 'timed out'). Otherwise it waits for
//   reply(ref, status): "ok" → 'ok', anything else → 'error'. No reply before its deadline →
//   'timed out'. reply() returns whether the ref belonged to a push waiting here. A push's
//   optional `onReply(status)` runs when the server answers it, before it settles (the durable
//   outbox deletes its stored copy right there, durable.ts).
// - socketDown(): the channel calls it when the socket closes. Pushes sent but not answered forget
//   their refs (a new socket never answers an old ref, and refs may repeat) and resolve
//   'timed out' at their deadline, as in realtime-js (`onLost(code)` tells each first). Queued pushes
//   are untouched.
// - clear(result): resolves every queued and waiting push with `result` (e.g. 'error' when the
//   channel is removed) and empties the outbox. The outbox stays usable.
// - size: pushes queued (not sent yet); waiting: pushes sent, awaiting a reply. For inspect().

import { GE } from '@shared-realtime/protocol'
import type { Clock, TimerId } from './clock.ts'

/**
 * How a push ends. A broadcast sent with `persist` that the server refuses ends with the server's `error` text
 * instead of 'error', as in realtime-js 2.119 (its RealtimeChannelSendResponse keeps the string open).
 */
export type PushResult = 'ok' | 'timed out' | 'error' | (string & {})

export const DEFAULT_OUTBOX_LIMIT = 100

export class OutboxFullError extends Error {
  override readonly name = 'OutboxFullError'
  readonly topic: string
  readonly limit: number
  constructor(topic: string, limit: number) {
    super(
      `cannot queue another push on "${topic}": ${limit} are already waiting for the channel to join (raise the limit or wait for SUBSCRIBED)`,
    )
    this.topic = topic
    this.limit = limit
  }
}

export interface OutboxPush {
  event: string
  payload: unknown
  timeoutMs: number
  awaitReply: boolean
  /** Runs when the server answers this push (any status, its `response`), before its promise settles. */
  onReply?: (status: string, response: unknown) => void
  /** Runs when the push went out on the socket. */
  onSent?: () => void
  /** Runs when the socket closed (with `code`) while this push, sent, waited for its answer. */
  onLost?: (code: number | undefined) => void
}

export interface OutboxOptions {
  topic: string
  clock: Clock
  /** Default 100, as realtime-js's MAX_PUSH_BUFFER_SIZE. */
  limit?: number
}

interface Entry {
  readonly push: OutboxPush
  readonly resolve: (result: PushResult) => void
  timer: TimerId | null
  /** The ref it was sent with, while a reply to it can still arrive. */
  ref: string | null
}

export class Outbox {
  readonly #topic: string
  readonly #clock: Clock
  readonly #limit: number
  /** Not sent yet, in enqueue order (a Set iterates in insertion order and deletes in O(1)). */
  readonly #queued = new Set<Entry>()
  /** Sent, awaiting a reply or their deadline. */
  readonly #sent = new Set<Entry>()
  readonly #byRef = new Map<string, Entry>()
  #flushing = false

  constructor(options: OutboxOptions) {
    const limit = options.limit ?? DEFAULT_OUTBOX_LIMIT
    if (!Number.isInteger(limit) || limit < 0)
      throw new RangeError(`Outbox limit must be an integer ${GE} 0, got ${limit}`)
    this.#topic = options.topic
    this.#clock = options.clock
    this.#limit = limit
  }

  get size(): number {
    return this.#queued.size
  }

  get waiting(): number {
    return this.#sent.size
  }

  /** Pushes enqueue() still accepts before it refuses with OutboxFullError. */
  get room(): number {
    return Math.max(0, this.#limit - this.#queued.size)
  }

  /** The next enqueue() would be refused with OutboxFullError. */
  get isFull(): boolean {
    return this.room === 0
  }

  enqueue(push: OutboxPush): Promise<PushResult> {
    if (this.isFull) return Promise.reject(new OutboxFullError(this.#topic, this.#limit))
    return new Promise<PushResult>((resolve) => {
      const entry: Entry = { push, resolve, timer: null, ref: null }
      entry.timer = this.#clock.setTimeout(() => {
        entry.timer = null
        this.#settle(entry, 'timed out')
      }, push.timeoutMs)
      this.#queued.add(entry)
    })
  }

  flush(send: (event: string, payload: unknown) => string | null): void {
    if (this.#flushing) return
    this.#flushing = true
    try {
      for (const entry of this.#queued) {
        let ref: string | null
        try {
          ref = send(entry.push.event, entry.push.payload)
        } catch {
          this.#settle(entry, 'error')
          continue
        }
        if (ref === null) return
        // Settled while `send` ran (cleared, or timed out by a clock it advanced): nothing to track.
        if (!this.#queued.delete(entry)) continue
        if (!entry.push.awaitReply) {
          this.#settle(entry, 'ok')
          continue
        }
        entry.ref = ref
        entry.push.onSent?.()
        this.#sent.add(entry)
        this.#byRef.set(ref, entry)
      }
    } finally {
      this.#flushing = false
    }
  }

  reply(ref: string, status: string, response?: unknown): boolean {
    const entry = this.#byRef.get(ref)
    if (!entry) return false
    try {
      entry.push.onReply?.(status, response)
    } catch {
      // the hook's failure is its own: the push still settles
    }
    this.#settle(entry, status === 'ok' ? 'ok' : (persistedRefusal(entry.push.payload, response) ?? 'error'))
    return true
  }

  /** The socket closed (with `code`, if known): replies to refs already sent can no longer arrive. */
  socketDown(code?: number): void {
    for (const entry of this.#sent) {
      if (entry.ref === null) continue
      entry.ref = null
      try {
        entry.push.onLost?.(code)
      } catch {
        // the hook's failure is its own
      }
    }
    this.#byRef.clear()
  }

  clear(result: PushResult): void {
    for (const entry of [...this.#sent, ...this.#queued]) this.#settle(entry, result)
  }

  #settle(entry: Entry, result: PushResult): void {
    if (entry.timer !== null) this.#clock.clearTimeout(entry.timer)
    entry.timer = null
    this.#queued.delete(entry)
    this.#sent.delete(entry)
    if (entry.ref !== null && this.#byRef.get(entry.ref) === entry) this.#byRef.delete(entry.ref)
    entry.ref = null
    entry.resolve(result)
  }
}

/** The server's reason for refusing a broadcast pushed with `persist`, when it gave one as text. */
function persistedRefusal(payload: unknown, response: unknown): string | undefined {
  const persist = typeof payload === 'object' && payload !== null && (payload as { persist?: unknown }).persist
  const error = typeof response === 'object' && response !== null && (response as { error?: unknown }).error
  return persist && typeof error === 'string' ? error : undefined
}
