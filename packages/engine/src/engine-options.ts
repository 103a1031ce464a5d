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
  /** Random ids (client id, durable sends, this engine's leases). Default crypto.randomUUID. */
  randomId?: () => string
}

export interface EngineCounters {
  framesIn: number
  framesOut: number
  decodeErrors: number
  unroutable: number
  connects: number
}
