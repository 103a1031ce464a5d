// The server channels by topic: one per topic, created when a tab first subscribes to it, dropped
// (and disposed) once it has no subscription and is closed or failed. Each change in their number
// tells the socket (the deferred disconnect counts channels). The registry is every channel's host:
// it sends on the socket, hands out refs, says whether a join may go out (socket connected and
// token gate settled) and what the token is, and asks for a new token through the gate.
// It owns the socket's guards (guards.ts): a join goes out only with a token of the join budget (a
// channel without one waits in `joining`, and every channel gets `ready` again when tokens are
// back); every phx_join sent spends one; a new topic past the channel limit is refused.
// It owns the token probe (token-check.ts): the probe's joins go through the same join budget and
// count as channels, its frames are handed to it (no tab sees them). It remembers the last token a
// join was accepted with (`lastGood`), and asks `tokenRefused` before refreshing a refused token.

import type { AuthTokenManager } from './auth-token.ts'
import type { Clock } from './clock.ts'
import type { DurableStore } from './durable.ts'
import type { Logger } from './logger.ts'
import type { Message, Serializer } from '@shared-realtime/protocol'
import type { ErrorData } from './events.ts'
import { type GuardLimits, SocketGuard } from './guards.ts'
import { type ChannelHost, ServerChannel } from './server-channel.ts'
import type { SocketDriver } from './socket-driver.ts'
import type { TokenGate } from './token-gate.ts'
import { type ProbeOutcome, TokenProbe } from './token-check.ts'

export interface ChannelRegistryOptions {
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
  readonly outboxLimit: number
  readonly durable: DurableStore | undefined
  readonly socket: SocketDriver
  readonly auth: AuthTokenManager
  readonly gate: TokenGate
  readonly limits: GuardLimits
  readonly serializer: Serializer
  readonly randomId: () => string
  /**
   * A channel's token was refused (a token shutdown, or a join refused for its token): true when the
   * token was rolled back (tab-registry.ts), else the providers are asked again as before.
   */
  readonly tokenRefused: () => boolean
}

export class ChannelRegistry implements ChannelHost {
  readonly clock: Clock
  readonly logger: Logger
  readonly timeoutMs: number
  readonly outboxLimit: number
  readonly durable: DurableStore | undefined
  readonly guard: SocketGuard
  readonly #socket: SocketDriver
  readonly #auth: AuthTokenManager
  readonly #gate: TokenGate
  readonly #channels = new Map<string, ServerChannel>()
  readonly #probe: TokenProbe
  readonly #tokenRefused: () => boolean
  /** The token of the last join the server accepted (null: joined on the API key); undefined before any. */
  #lastGood: string | null | undefined

  constructor(options: ChannelRegistryOptions) {
    this.clock = options.clock
    this.logger = options.logger
    this.timeoutMs = options.timeoutMs
    this.outboxLimit = options.outboxLimit
    this.durable = options.durable
    this.#socket = options.socket
    this.#auth = options.auth
    this.#gate = options.gate
    this.guard = new SocketGuard({
      clock: options.clock,
      limits: options.limits,
      serializer: options.serializer,
      joinsRefilled: () => {
        this.#probe.refilled()
        if (this.#socket.connected && this.#gate.state.name === 'settled') this.ready()
      },
    })
    this.#tokenRefused = options.tokenRefused
    this.#probe = new TokenProbe({
      clock: options.clock,
      timeoutMs: options.timeoutMs,
      randomId: options.randomId,
      socket: {
        connected: () => this.#socket.connected,
        nextRef: () => this.nextRef(),
        send: (message) => this.send(message),
        mayJoin: () => this.guard.mayJoin(),
      },
    })
  }

  get size(): number {
    return this.#channels.size
  }

  get(topic: string): ServerChannel | undefined {
    return this.#channels.get(topic)
  }

  /** Why a subscription to `topic` cannot have a channel (the socket's channel limit), else undefined. */
  refusal(topic: string): ErrorData | undefined {
    if (this.#channels.has(topic)) return undefined
    return this.guard.channelRefusal(topic, this.#channels.size + this.#probe.active)
  }

  /** The channel of `topic`, created if there is none. */
  open(topic: string): ServerChannel {
    let channel = this.#channels.get(topic)
    if (!channel) {
      channel = new ServerChannel(topic, this)
      this.#channels.set(topic, channel)
      this.#socket.dispatch({ type: 'channels' })
    }
    return channel
  }

  /** A frame from the server; false when no channel has its topic. */
  route(message: Message): boolean {
    const channel = this.#channels.get(message.topic)
    if (!channel) return this.#probe.receive(message)
    try {
      channel.receive(message)
    } catch (error) {
      this.logger.error(`handling ${message.event} on ${message.topic} failed`, error)
    }
    return true
  }

  /** The socket is connected and the token settled: the channels waiting to join do, as far as the join budget goes. */
  ready(): void {
    for (const channel of this.#channels.values()) {
      if (!channel.waitsToJoin) continue
      if (!this.guard.mayJoin()) return // the rest wait in joining; joinsRefilled brings us back
      channel.ready()
    }
  }

  socketDown(code?: number): void {
    this.#probe.socketDown()
    for (const channel of this.#channels.values()) channel.socketDown(code)
  }

  /** The token's identity may have changed: every joined channel pushes the stored items of the new one. */
  replayDurable(): void {
    for (const channel of this.#channels.values()) channel.replayDurable()
  }

  pushToken(token: string): void {
    for (const channel of this.#channels.values()) channel.pushToken(token)
  }

  /** The token of the last join the server accepted (null: on the API key alone); undefined before any. */
  get lastGood(): string | null | undefined {
    return this.#lastGood
  }

  /**
   * Whether a new token should be probed before it is pushed: the socket is connected, a channel is
   * joined (so a refusal would shut channels other tabs use), and the socket has room for one more channel.
   */
  shouldProbe(): boolean {
    if (!this.#socket.connected) return false
    if (this.#channels.size + this.#probe.active >= this.guard.limits.maxChannels) return false
    for (const channel of this.#channels.values()) if (channel.state.name === 'joined') return true
    return false
  }

  /** Tries `token` with a throwaway join (token-check.ts); never rejects. */
  probeToken(token: string): Promise<ProbeOutcome> {
    return this.#probe.probe(token)
  }

  /** The engine is going away. */
  dispose(): void {
    this.#probe.dispose()
    for (const channel of this.#channels.values()) channel.dispose()
    this.#channels.clear()
    this.guard.dispose()
  }

  snapshot() {
    return [...this.#channels.values()].map((c) => c.snapshot())
  }

  /** The token probes made (token-check.ts), for inspect(). */
  probeSnapshot() {
    return { active: this.#probe.active, ...this.#probe.counters }
  }

  // ── ChannelHost ─────────────────────────────────────────────────────────────

  nextRef(): string {
    return this.#socket.nextRef()
  }

  /** A join may go out: the socket is connected, no token request is in flight, and the join budget has a token. */
  mayJoin(): boolean {
    return this.#socket.connected && this.#gate.state.name === 'settled' && this.guard.mayJoin()
  }

  token(): string | null {
    return this.#auth.token
  }

  settledToken(): Promise<string | null> {
    return this.#auth.settled()
  }

  send(message: Message): boolean {
    const sent = this.#socket.send(message)
    if (sent && message.event === 'phx_join') this.guard.joined()
    return sent
  }

  refreshToken(): void {
    if (this.#tokenRefused()) return // rolled back: the gate settles on the restored token
    this.#gate.settle(this.#auth.refresh())
  }

  accepted(token: string | null): void {
    this.#lastGood = token
  }

  changed(channel: ServerChannel): void {
    if (channel.subscriptionCount > 0 || (channel.state.name !== 'closed' && channel.state.name !== 'failed')) return
    if (this.#channels.get(channel.topic) !== channel) return
    this.#channels.delete(channel.topic)
    channel.dispose()
    this.#socket.dispatch({ type: 'channels' })
  }
}
