// The socket's guards (DESIGN.md rule 14): every tab shares one socket, so the engine keeps what it
// sends under the server's limits (PROTOCOL.md §3.7) and refuses, for the one tab that asked, what
// the server would punish every tab for. The channel registry owns one SocketGuard; the channels use it.
// - Payload size: a broadcast or a presence track whose encoded frame is over `maxPayloadBytes`
//   is refused before it is sent or stored (PayloadTooLargeError), instead of the server closing the
//   socket (1009) or shutting the channel.
// - Joins: every phx_join spends a token of a RateBudget (rate-budget.ts); with none left, channels
//   wait in `joining` (no frame, no join timeout) until `joinsRefilled` tells them to try again.
// - Sends: every broadcast push spends a token of a second budget; a channel whose outbox cannot
//   send waits in a FIFO of channels, each served in turn as tokens come back (round robin over
//   topics; within a topic, its outbox's order).
// - Channels: a new topic past `maxChannels` is refused (too-many-channels); channels already open
//   (whoever opened them) are not counted twice.

import type { Message, Serializer } from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'
import type { ErrorData } from './events.ts'
import { type GuardLimits } from './guard-limits.ts'
import { RateBudget } from './rate-budget.ts'

export { DEFAULT_GUARD_LIMITS, type GuardLimits, guardLimits } from './guard-limits.ts'

/** A broadcast or presence payload too large to send: refused for the tab that asked, before sending or storing. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError'
  readonly kind = 'payload-too-large'
  readonly topic: string
  readonly bytes: number
  readonly limit: number
  constructor(topic: string, what: string, bytes: number, limit: number) {
    super(
      `${what} on "${topic}" is ${bytes} bytes once encoded, over the limit of ${limit} (EngineOptions.maxPayloadBytes, ` +
        `under the server's max_payload_size_in_kb): send less, or split it`,
    )
    this.topic = topic
    this.bytes = bytes
    this.limit = limit
  }
}

/** The UTF-8 length of a string, without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c < 0x80) bytes += 1
    else if (c < 0x800) bytes += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1)
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4
        i++
      } else bytes += 3
    } else bytes += 3
  }
  return bytes
}

/** The size in bytes of `message` once encoded as the socket would send it. */
export function frameBytes(serializer: Serializer, message: Message): number {
  let frame: unknown
  try {
    frame = serializer.encode(message)
  } catch {
    return 0 // not encodable: the send itself reports it
  }
  if (typeof frame === 'string') return utf8Length(frame)
  if (frame instanceof ArrayBuffer) return frame.byteLength
  if (ArrayBuffer.isView(frame)) return frame.byteLength
  return 0
}

/** A channel as the send queue sees it. */
export interface SendWaiter {
  /** Sends what its outbox holds, as far as the budget goes (it asks to wait again if needed). */
  flushOutbox(): void
}

export interface SocketGuardOptions {
  clock: Clock
  limits: GuardLimits
  serializer: Serializer
  /** Join tokens are back: channels waiting to join may try (the registry sends them `ready`). */
  joinsRefilled: () => void
}

export class SocketGuard {
  readonly limits: GuardLimits
  readonly joins: RateBudget
  readonly sends: RateBudget
  readonly #serializer: Serializer
  /** Channels with pushes waiting for the send budget, in the order they asked. */
  readonly #sendWaiters = new Set<SendWaiter>()
  /** The channel whose turn it is (#serveSends). */
  #serving: SendWaiter | null = null
  /** Pushes and presence calls refused for their size; joins and sends delayed by the budgets. */
  readonly counters = { tooLarge: 0, joinsDelayed: 0, sendsDelayed: 0, channelsRefused: 0 }

  constructor(options: SocketGuardOptions) {
    const { clock, limits } = options
    this.limits = limits
    this.#serializer = options.serializer
    this.joins = new RateBudget({
      clock,
      perSecond: limits.joinsPerSecond,
      burst: limits.joinBurst,
      refilled: options.joinsRefilled,
    })
    this.sends = new RateBudget({
      clock,
      perSecond: limits.sendsPerSecond,
      burst: limits.sendBurst,
      refilled: () => this.#serveSends(),
    })
  }

  /** @throws {PayloadTooLargeError} when `message` would be over the payload limit once encoded. */
  checkSize(message: Message, what: string): void {
    const bytes = frameBytes(this.#serializer, message)
    if (bytes <= this.limits.maxPayloadBytes) return
    this.counters.tooLarge++
    throw new PayloadTooLargeError(message.topic, what, bytes, this.limits.maxPayloadBytes)
  }

  /** Whether a join may go out now; if not, the registry is told when one may. */
  mayJoin(): boolean {
    if (this.joins.available) return true
    if (!this.joins.waiting) this.counters.joinsDelayed++
    this.joins.wait()
    return false
  }

  /** A join went out. */
  joined(): void {
    this.joins.take()
  }

  /** Whether a push may go out now; if not, `waiter` is flushed again when its turn comes. */
  maySend(waiter: SendWaiter): boolean {
    const turn = this.#sendWaiters.size === 0 || this.#serving === waiter
    if (this.sends.available && turn) return true
    if (!this.#sendWaiters.has(waiter)) {
      this.counters.sendsDelayed++
      this.#sendWaiters.add(waiter)
    }
    this.sends.wait()
    return false
  }

  /** A push went out. */
  sent(waiter: SendWaiter): void {
    this.sends.take()
    // one push per turn while others wait: the next one goes to the back of the queue
    if (this.#serving === waiter) this.#serving = null
  }

  /** `waiter` has nothing left to send (its channel is gone or its outbox emptied). */
  forget(waiter: SendWaiter): void {
    this.#sendWaiters.delete(waiter)
  }

  /** Refusal of a new topic when `open` channels are at the limit, else undefined. */
  channelRefusal(topic: string, open: number): ErrorData | undefined {
    if (open < this.limits.maxChannels) return undefined
    this.counters.channelsRefused++
    return {
      kind: 'too-many-channels',
      message:
        `cannot join "${topic}": this socket already has ${open} channels, the limit per socket ` +
        `(EngineOptions.maxChannels, the server's max_channels_per_client): remove a channel first`,
      retryable: false,
    }
  }

  dispose(): void {
    this.joins.dispose()
    this.sends.dispose()
    this.#sendWaiters.clear()
  }

  snapshot() {
    return {
      limits: { ...this.limits },
      joinTokens: this.joins.tokens,
      sendTokens: this.sends.tokens,
      channelsWaitingToSend: this.#sendWaiters.size,
      ...this.counters,
    }
  }

  #first(): SendWaiter | undefined {
    for (const waiter of this.#sendWaiters) return waiter
    return undefined
  }

  /** Tokens are back: the waiting channels, one after the other, each moved to the back once served. */
  #serveSends(): void {
    let turns = this.#sendWaiters.size
    while (turns-- > 0 && this.sends.available) {
      const waiter = this.#first()
      if (!waiter) return
      this.#sendWaiters.delete(waiter)
      this.#serving = waiter
      try {
        waiter.flushOutbox() // asks to wait again (at the back) if it could not send everything
      } finally {
        this.#serving = null
      }
    }
    if (this.#sendWaiters.size > 0) this.sends.wait()
  }
}
