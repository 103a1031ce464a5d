// The engine: one socket, its heartbeat, its token, and the server channels every tab session
// shares (README "Many tabs, one socket"). This file is the composition root: it reads the
// options and puts the parts together, each holding one concern:
//   socket-driver.ts     the ConnectionMachine under the Driver, the WebSocket, frames in and out, heartbeat
//   channel-registry.ts  topic → ServerChannel (server-channel.ts), created on demand, dropped when done
//   tab-registry.ts      the tab sessions (session.ts), and the tabs that asked for the socket
//   token-gate.ts        joins wait while a token request (auth-token.ts) is in flight
//   token-check.ts       a tab's new token is probed before the shared channels get it, undone if refused
// With `storage`, the per-browser client id (client-id.ts) and the durable outbox (durable.ts,
// durable-channel.ts) live there.
//
// Connection lifecycle:
//   a session subscribes or connects → ConnectionMachine 'connect' → socket created, token
//   providers asked → opened → heartbeat starts; once the token has settled, every channel
//   gets 'ready' and joins (a join never goes out before an in-flight token resolves).
//   Socket gone → heartbeat stops, channels 'socket-down', the machine schedules a reconnect.

import { createSerializer, DEFAULT_VSN, ELLIPSIS } from '@shared-realtime/protocol'
import { AuthTokenManager } from './auth-token.ts'
import { ChannelRegistry } from './channel-registry.ts'
import { loadClientId } from './client-id.ts'
import { type Clock, realClock } from './clock.ts'
import { DEFAULT_DURABLE_LIMIT, defaultRandomId, DurableStore } from './durable.ts'
import type { EngineCounters, EngineOptions } from './engine-options.ts'
import { guardLimits } from './guards.ts'
import { type Logger, silentLogger } from './logger.ts'
import type { ConnectionState } from './machines/connection.ts'
import type { Session } from './session.ts'
import type { Sink } from './session-queue.ts'
import { SocketDriver } from './socket-driver.ts'
import { TabRegistry } from './tab-registry.ts'
import { TokenGate } from './token-gate.ts'
import { socketUrl } from './transport.ts'

export type { EngineCounters, EngineOptions } from './engine-options.ts'

export class Engine {
  readonly options: Required<
    Pick<EngineOptions, 'timeout' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'disconnectOnEmptyChannelsAfterMs'>
  > &
    EngineOptions
  readonly url: string
  readonly counters: EngineCounters = { framesIn: 0, framesOut: 0, decodeErrors: 0, unroutable: 0, connects: 0 }
  readonly #auth: AuthTokenManager
  readonly #gate: TokenGate
  readonly #socket: SocketDriver
  readonly #channels: ChannelRegistry
  readonly #tabs: TabRegistry
  readonly #durable: DurableStore | undefined
  readonly #clientId: Promise<string | undefined>
  #clientIdValue: string | undefined

  constructor(options: EngineOptions) {
    if (!options.params?.apikey) throw new TypeError('API key is required to connect to Realtime (params.apikey)')
    const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 25_000
    this.options = {
      ...options,
      timeout: options.timeout ?? 10_000,
      heartbeatIntervalMs,
      heartbeatTimeoutMs: options.heartbeatTimeoutMs ?? 10_000,
      disconnectOnEmptyChannelsAfterMs: options.disconnectOnEmptyChannelsAfterMs ?? 2 * heartbeatIntervalMs,
    }
    const vsn = options.vsn ?? DEFAULT_VSN
    this.url = socketUrl(options.endPoint, options.params, vsn)
    const clock: Clock = options.clock ?? realClock
    const logger: Logger = options.logger ?? silentLogger
    const randomId = options.randomId ?? defaultRandomId
    const timeoutMs = this.options.timeout
    const limits = guardLimits(options)
    const serializer = createSerializer(vsn)

    const storage = options.storage
    this.#durable =
      storage &&
      new DurableStore({
        storage,
        namespace: options.storageKey ?? options.endPoint.replace(/\/+$/, ''),
        clock,
        logger,
        owner: randomId(),
        limit: options.durableLimit ?? DEFAULT_DURABLE_LIMIT,
      })
    this.#clientId = storage ? loadClientId(storage, randomId, logger) : Promise.resolve(undefined)
    void this.#clientId.then((id) => (this.#clientIdValue = id))

    const auth = (this.#auth = new AuthTokenManager({ clock, logger }))
    const gate = (this.#gate = new TokenGate(auth, logger, () => {
      if (this.#socket.connected) this.#channels.ready()
    }))
    const socket = (this.#socket = new SocketDriver(
      {
        url: this.url,
        transport: options.transport,
        serializer,
        clock,
        logger,
        random: options.random ?? Math.random,
        policy: options.reconnectAfterMs ? { reconnectAfterMs: options.reconnectAfterMs } : {},
        idleAfterMs: this.options.disconnectOnEmptyChannelsAfterMs,
        heartbeatIntervalMs,
        heartbeatTimeoutMs: this.options.heartbeatTimeoutMs,
        counters: this.counters,
      },
      {
        demand: () => this.#channels.size + this.#tabs.wanting,
        opening: () => gate.settle(auth.refresh()),
        opened: () => gate.settle(auth.settled()),
        gone: (code) => this.#channels.socketDown(code),
        route: (message) => this.#channels.route(message),
        tell: (event) => this.#tabs.tell(event),
      },
    ))
    const outboxLimit = options.outboxLimit ?? 100
    const durable = this.#durable
    const channels = (this.#channels = new ChannelRegistry({
      clock,
      logger,
      timeoutMs,
      outboxLimit,
      durable,
      socket,
      auth,
      gate,
      limits,
      serializer,
      randomId,
      tokenRefused: () => this.#tabs.tokenRefused(),
    }))
    const queueLimit = options.sessionQueueLimit ?? 10_000
    const identity = options.identity
    const tabOptions = { clock, logger, timeoutMs, queueLimit, randomId, channels, socket, auth, gate, identity }
    this.#tabs = new TabRegistry(tabOptions)
    auth.onChange((token) => {
      if (typeof token === 'string') channels.pushToken(token)
      else channels.replayDurable() // signed out: the anon items of the joined channels may go out
    })
  }

  /** The per-browser client id: created once in `storage` (a random UUID) and kept; undefined without storage. */
  clientId(): Promise<string | undefined> {
    return this.#clientId
  }

  get sessionCount(): number {
    return this.#tabs.size
  }

  get connection(): ConnectionState {
    return this.#socket.state
  }

  /**
   * Deletes every durable item stored in this engine's storage — every project (namespace) and
   * every identity of the origin — and resolves with how many were waiting; 0 without storage.
   * A push already on the wire still gets its answer. @throws when the storage cannot list its keys
   */
  clearDurable(): Promise<number> {
    return this.#durable ? this.#durable.clearAll() : Promise.resolve(0)
  }

  /**
   * A tab arrives. `sink` receives its events in batches; see SessionQueue for `ack`, `eager` (a sink that only
   * posts to another thread: an event that finds the queue idle goes at once) and `session.queue.hold()`.
   */
  attach(tabId: string, sink: Sink, options: { queueLimit?: number; eager?: boolean } = {}): Session {
    return this.#tabs.attach(tabId, sink, options)
  }

  session(tabId: string): Session | undefined {
    return this.#tabs.get(tabId)
  }

  /**
   * The network is back (the host's 'online' event): when waiting out a backoff, reconnect now.
   * No effect otherwise (connected, or disconnected on purpose), nor after a rate-limit close.
   */
  networkOnline(): void {
    if (this.#socket.state.name === 'reconnecting') this.#socket.dispatch({ type: 'connect' })
  }

  /** Heartbeat now (realtime-js's sendHeartbeat()). */
  sendHeartbeat(): void {
    this.#socket.heartbeat.dispatch({ type: 'send-now' })
  }

  /** Stops everything: every session detached, the socket closed. */
  dispose(): void {
    this.#tabs.detachAll()
    this.#socket.dispatch({ type: 'disconnect' })
    this.#auth.dispose()
    this.#channels.dispose()
  }

  /** A plain-data snapshot for the inspector and tests. */
  inspect() {
    const heartbeat = this.#socket.heartbeat
    return {
      connection: this.#socket.status(),
      clientId: this.#clientIdValue ?? null,
      url: this.url.replace(/apikey=[^&]*/, `apikey=${ELLIPSIS}`),
      identity: this.options.identity ?? null,
      heartbeat: { state: heartbeat.state, lastRttMs: heartbeat.lastRttMs, recentRttMs: heartbeat.recentRttMs },
      token: { present: this.#auth.token !== null, settling: this.#gate.state.name === 'settling' },
      sessions: this.#tabs.snapshot(),
      channels: this.#channels.snapshot(),
      guards: this.#channels.guard.snapshot(),
      tokenProbes: this.#channels.probeSnapshot(),
      counters: { ...this.counters },
      durable: this.#durable ? { inFlight: this.#durable.inFlight, storage: this.#durable.storageKind } : null,
    }
  }
}

export type EngineSnapshot = ReturnType<Engine['inspect']>
