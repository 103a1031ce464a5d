// The engine's options and counters (see engine.ts).
import type { Vsn } from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'
import type { Logger } from './logger.ts'
import type { Storage } from './storage.ts'
import type { WebSocketLikeConstructor } from './transport.ts'

export interface EngineOptions {
  /** The Realtime base URL, e.g. wss://<ref>.supabase.co/realtime/v1 (`/websocket` is appended). */
  endPoint: string
  /** Query parameters; `apikey` is required. */
  params: Record<string, string>
  /** A WebSocket-like constructor: the browser's WebSocket, or `ws` in Node. */
  transport: WebSocketLikeConstructor
  /** Default '2.0.0'. */
  vsn?: Vsn
  /** Join, leave and push reply timeout. Default 10 000. */
  timeout?: number
  /** Default 25 000. */
  heartbeatIntervalMs?: number
  /** Default 10 000. */
  heartbeatTimeoutMs?: number
  /** realtime-js's option; default: full jitter, 1 s base, 30 s cap. */
  reconnectAfterMs?: (tries: number) => number
  /** Close the socket this long after the last channel is gone. Default 2 × heartbeatIntervalMs. */
  disconnectOnEmptyChannelsAfterMs?: number
  /** Pushes queued per channel while it is not joined. Default 100. */
  outboxLimit?: number
  /** Unacknowledged events per session before it gets a gap. Default 10 000. */
  sessionQueueLimit?: number
  clock?: Clock
  logger?: Logger
  /** Jitter source in [0, 1). Default Math.random. */
  random?: () => number
  /** Where the client id and the durable outbox live (DESIGN.md "Persistence"). Without it durable sends reject. Never holds tokens. */
  storage?: Storage
  /** Namespaces the durable outbox in `storage`: engines with the same key deliver each other's stored sends. Default: the endpoint. */
  storageKey?: string
  /** Durable sends stored per topic at most (over it: OutboxFullError). Default 1000. */
  durableLimit?: number
  /**
   * Who this engine's socket speaks for: a `tokenIdentity()` (`<role>:<sub>`, or `anon`). With it, the engine takes
   * only tokens of that identity: `setAuth` with another's throws IdentityMismatchError, and a provider's answer of
   * another identity counts as a failed answer (the next provider is asked; the current token is kept). Hosts key
   * their engines by it, so clients of different users never share a socket (docs/decisions.md 61). Default: any.
   */
  identity?: string
  /** Random ids (client id, durable sends, this engine's leases). Default a UUID v4 from crypto.getRandomValues
   *  (no secure context needed). */
  randomId?: () => string

  // ── the socket's guards (guards.ts, DESIGN.md rule 14): every tab shares the socket, so it stays
  // under the server's limits (PROTOCOL.md §3.7); Infinity turns a guard off. ──
  /**
   * Largest encoded frame of a broadcast or presence track, in bytes; a larger one is refused
   * before it is sent or stored (PayloadTooLargeError, `payload-too-large`). Default 3 000 000: the
   * server's max_payload_size_in_kb (3000), smaller than its WebSocket frame limit (5 000 000, close 1009).
   */
  maxPayloadBytes?: number
  /**
   * Joins sent per second, at most (phx_join frames of every channel, rejoins included); the others
   * wait in `joining`, their join timeout not started. Default 50: half the server's
   * max_joins_per_second (100 per project; over it the server closes the socket with 1001).
   */
  joinsPerSecond?: number
  /** Joins that may go out at once before `joinsPerSecond` applies. Default 10. */
  joinBurst?: number
  /**
   * Broadcasts sent per second on the socket, at most; the others stay queued in their channel's
   * outbox (`outboxLimit`), served channel by channel as the budget refills. Default 50: half the
   * server's max_events_per_second (100 per project, deliveries included; over it the server shuts
   * every channel the message reaches).
   */
  sendsPerSecond?: number
  /** Broadcasts that may go out at once before `sendsPerSecond` applies. Default 50. */
  sendBurst?: number
  /**
   * Channels (topics) on the socket, at most; a subscription to one more gets CHANNEL_ERROR
   * `too-many-channels`, not retried. Default 100: the server's max_channels_per_client.
   */
  maxChannels?: number
}

export interface EngineCounters {
  framesIn: number
  framesOut: number
  decodeErrors: number
  unroutable: number
  connects: number
}
