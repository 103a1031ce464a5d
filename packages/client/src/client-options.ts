// Runs in the tab.
// RealtimeClient's options (realtime-js's, plus `host` and `workerUrl`), and what the client makes of
// them for its engine: the EngineConfig that every tab sharing the engine sends, and the Logger over
// realtime-js's `logger(kind, message, data)`.

import type { GuardLimits, Logger, WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { EngineConfig } from './host/protocol.ts'
import type { HostKind } from './host/tab/link.ts'

export type HeartbeatStatus = 'sent' | 'ok' | 'error' | 'timeout' | 'disconnected'
export interface RealtimeClientOptions {
  params?: { apikey?: string; [key: string]: unknown }
  /** Join, leave and push timeout, and the REST timeout. Default 10 000. */
  timeout?: number
  /** Default 25 000. */
  heartbeatIntervalMs?: number
  heartbeatCallback?: (status: HeartbeatStatus, latency?: number) => void
  reconnectAfterMs?: (tries: number) => number
  /**
   * realtime-js's logger. Gets the tab's own lines, `kind` being the level ('debug' | 'info' | 'warn' |
   * 'error'): host selection, a lost worker and its recovery, and the in-page engine's lines. An engine in
   * a worker logs to that worker's console instead (a function cannot be called across the port).
   */
  logger?: (kind: string, message: string, data?: unknown) => void
  logLevel?: 'info' | 'warn' | 'error'
  /** @deprecated realtime-js's old spelling of logLevel. */
  log_level?: 'info' | 'warn' | 'error'
  /** Default '2.0.0'. */
  vsn?: '1.0.0' | '2.0.0'
  accessToken?: () => Promise<string | null>
  fetch?: typeof fetch
  /** Default 2 × heartbeatIntervalMs. */
  disconnectOnEmptyChannelsAfterMs?: number
  /** A WebSocket-like constructor, for Node (`ws`) or tests; forces the in-page host. */
  transport?: WebSocketLikeConstructor
  /**
   * Where the engine runs. Default 'auto': a SharedWorker where the browser has one, else a leader tab's Worker shared
   * over BroadcastChannel ('leader'), else a Worker, else this page.
   */
  host?: 'auto' | HostKind
  /** Overrides the engine's worker script. */
  workerUrl?: string | URL
  /** realtime-js's heartbeat-worker switches; accepted and ignored (the whole engine is in a worker already). */
  worker?: boolean
  /**
   * The shared socket's guards, which keep it under the server's limits whatever the tabs do (not in realtime-js):
   * `maxPayloadBytes` (3 000 000), `joinsPerSecond` (50) and `joinBurst` (10), `sendsPerSecond` (50) and `sendBurst`
   * (50), `maxChannels` (100). Each is a number ≥ 1 (the counts whole), or Infinity to turn it off. Lower them for
   * a project with lower limits (a self-hosted server, a smaller plan). Clients with other guards get another engine.
   */
  guards?: Partial<GuardLimits>
  /**
   * While this tab's page is hidden (`document.visibilityState`), its worker delivers its events in batches: each
   * waits at most this many ms (or until 1000 are queued); channel statuses, connection changes and gaps go at once,
   * heartbeats wait for the next batch. Visible again, everything waiting arrives at once. Cuts a background tab's
   * wake-ups and CPU (not in realtime-js). Default 1000; 0 turns it off (every event at once, as in a visible tab);
   * at most 60 000.
   */
  hiddenBatchMs?: number
}

/** RealtimeClientOptions.hiddenBatchMs, checked (at most protocol.ts MAX_HOLD_MS). @throws {RangeError} */
export function hiddenBatchMs(value: unknown): number | undefined {
  if (value === undefined || (typeof value === 'number' && value >= 0 && value <= 60_000)) return value
  throw new RangeError(`RealtimeClientOptions.hiddenBatchMs must be 0 (off) to 60000 ms, got ${String(value)}`)
}

/** How many of `reconnectAfterMs`'s delays are sampled for the engine (the last one repeats). */
const RECONNECT_SAMPLES = 20

/** realtime-js's `logger(kind, message, data)` as the engine's Logger: the level is the kind. */
export function levels(log: (kind: string, message: string, data?: unknown) => void): Logger {
  return {
    debug: (message, data) => log('debug', message, data),
    info: (message, data) => log('info', message, data),
    warn: (message, data) => log('warn', message, data),
    error: (message, data) => log('error', message, data),
  }
}

/** The engine's configuration for a client (what every tab sharing the engine must agree on). */
export function engineConfig(
  client: {
    endPoint: string
    params: Record<string, string>
    vsn: '1.0.0' | '2.0.0'
    timeout: number
    heartbeatIntervalMs: number
  },
  options: RealtimeClientOptions,
): EngineConfig {
  const config: EngineConfig = {
    endPoint: client.endPoint,
    params: client.params,
    vsn: client.vsn,
    timeout: client.timeout,
    heartbeatIntervalMs: client.heartbeatIntervalMs,
    disconnectOnEmptyChannelsAfterMs: options.disconnectOnEmptyChannelsAfterMs ?? 2 * client.heartbeatIntervalMs,
  }
  if (options.guards) config.guards = { ...options.guards }
  const reconnect = options.reconnectAfterMs
  if (reconnect) config.reconnectDelaysMs = Array.from({ length: RECONNECT_SAMPLES }, (_, i) => reconnect(i + 1))
  return config
}
