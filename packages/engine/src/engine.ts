/* oxlint-disable unicorn/prefer-add-event-listener -- the Transport contract is WebSocketLike's on* handlers (realtime-js's, and `ws`'s) */
// The engine: one socket, its heartbeat, its token, and the server channels every tab
// session shares. This file is the driver: it commits each machine's new state, runs
// the effects (socket, timers, sends), and routes frames. The decisions live in the
// pure machines (machines/*), the per-topic sharing in server-channel.ts. With
// `storage`, the per-browser client id (client-id.ts) and the durable outbox (durable.ts,
// durable-channel.ts) live there.
//
// Connection lifecycle:
//   a session subscribes or connects → ConnectionMachine 'connect' → socket created, token
//   providers asked → opened → heartbeat starts; once the token has settled, every channel
//   gets 'ready' and joins (a join never goes out before an in-flight token resolves).
//   Socket gone → heartbeat stops, channels 'socket-down', the machine schedules a reconnect.

import { createSerializer, DEFAULT_VSN, type Message, type Serializer } from '@shared-realtime/protocol'
import { AuthTokenManager } from './auth-token.ts'
import { type Clock, realClock } from './clock.ts'
import type { EngineEvent } from './events.ts'
import { type Logger, silentLogger } from './logger.ts'
import { type ConnectionEvent, type ConnectionState, type ConnectionTimer, initialConnectionState, transitionConnection } from './machines/connection.ts'
import { HeartbeatDriver } from './heartbeat-driver.ts'
import { Timers } from './timers.ts'
import { ServerChannel, type ChannelHost } from './server-channel.ts'
import { Session, type SessionEngine } from './session.ts'
import { type Sink, SessionQueue } from './session-queue.ts'
import { refusedStatus, type SocketLike, socketUrl } from './transport.ts'
import type { TokenProvider } from './auth-token.ts'
import { DEFAULT_DURABLE_LIMIT, defaultRandomId, DurableStore } from './durable.ts'
import { loadClientId } from './client-id.ts'
import { connectionErrorData } from './connection-status.ts'
import type { EngineCounters, EngineOptions } from './engine-options.ts'

export type { EngineCounters, EngineOptions } from './engine-options.ts'

export class Engine {
  readonly options: Required<Pick<EngineOptions, 'timeout' | 'heartbeatIntervalMs' | 'heartbeatTimeoutMs' | 'disconnectOnEmptyChannelsAfterMs'>> & EngineOptions
  readonly url: string
  readonly counters: EngineCounters = { framesIn: 0, framesOut: 0, decodeErrors: 0, unroutable: 0, connects: 0 }
  readonly #clock: Clock
  readonly #log: Logger
  readonly #serializer: Serializer
  readonly #auth: AuthTokenManager
  readonly #channels = new Map<string, ServerChannel>()
  readonly #sessions = new Map<string, Session>()
  readonly #wanting = new Set<string>()
  readonly #timers: Timers<ConnectionTimer>
  readonly #heartbeat: HeartbeatDriver
  #conn: ConnectionState = initialConnectionState
  #socket: SocketLike | undefined
  #socketGen = 0
  #refusal: number | undefined
  #settling = false
  #ref = 0
  #connQueue: ConnectionEvent[] = []
  #connBusy = false
  readonly #host: ChannelHost
  readonly #randomId: () => string
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
    this.#serializer = createSerializer(vsn)
    this.url = socketUrl(options.endPoint, options.params, vsn)
    this.#clock = options.clock ?? realClock
    this.#timers = new Timers(this.#clock)
    this.#heartbeat = new HeartbeatDriver({
      clock: this.#clock,
      intervalMs: this.options.heartbeatIntervalMs,
      timeoutMs: this.options.heartbeatTimeoutMs,
      peekRef: () => String(this.#ref + 1),
      takeRef: (ref) => (this.#ref = Math.max(this.#ref, Number(ref))),
      sendHeartbeat: (ref) => void this.#send({ join_ref: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} }),
      report: (status, rttMs) => this.#broadcastToSessions(rttMs === undefined ? { type: 'heartbeat', status } : { type: 'heartbeat', status, rttMs }),
      timedOut: () => this.#dispatch({ type: 'heartbeat-timeout' }),
    })
    this.#log = options.logger ?? silentLogger
    this.#randomId = options.randomId ?? defaultRandomId
    const storage = options.storage
    this.#durable = storage && new DurableStore({
      storage,
      namespace: options.storageKey ?? options.endPoint.replace(/\/+$/, ''),
      clock: this.#clock,
      logger: this.#log,
      owner: this.#randomId(),
      limit: options.durableLimit ?? DEFAULT_DURABLE_LIMIT,
    })
    this.#clientId = storage ? loadClientId(storage, this.#randomId, this.#log) : Promise.resolve(undefined)
    void this.#clientId.then((id) => (this.#clientIdValue = id))
    this.#auth = new AuthTokenManager({ clock: this.#clock, logger: this.#log })
    this.#auth.onChange((token) => {
      if (typeof token === 'string') for (const channel of this.#channels.values()) channel.pushToken(token)
    })
    this.#host = {
      clock: this.#clock,
      logger: this.#log,
      timeoutMs: this.options.timeout,
      outboxLimit: options.outboxLimit ?? 100,
      nextRef: () => this.#nextRef(),
      ready: () => this.#conn.name === 'connected' && !this.#settling,
      token: () => this.#auth.token,
      send: (message) => this.#send(message),
      refreshToken: () => this.#settle(this.#auth.refresh()),
      changed: (channel) => this.#channelChanged(channel),
      durable: this.#durable,
    }
  }

  /** The per-browser client id: created once in `storage` (a random UUID) and kept; undefined without storage. */
  clientId(): Promise<string | undefined> {
    return this.#clientId
  }

  get sessionCount(): number {
    return this.#sessions.size
  }

  get connection(): ConnectionState {
    return this.#conn
  }

  /** A tab arrives. `sink` receives its events in batches; see SessionQueue for `ack`. */
  attach(tabId: string, sink: Sink, options: { queueLimit?: number } = {}): Session {
    if (this.#sessions.has(tabId)) throw new Error(`a session "${tabId}" is already attached`)
    const queue = new SessionQueue(this.#clock, sink, options.queueLimit ?? this.options.sessionQueueLimit ?? 10_000)
    const engine: SessionEngine = {
      channelFor: (topic) => this.#channelFor(topic),
      existingChannel: (topic) => this.#channels.get(topic),
      setAuth: (token) => this.#auth.setAuth(token),
      addProvider: (id, provider: TokenProvider) => {
        this.#auth.addProvider(id, provider)
        // the latest auth action of any tab wins: a new provider replaces a manual token and is asked now
        this.#settle(this.#auth.setAuth(null))
      },
      removeProvider: (id) => this.#auth.removeProvider(id),
      wantConnection: (id, want) => this.#want(id, want),
      ensureConnected: () => this.#dispatch({ type: 'connect' }),
      detached: (session) => this.#sessions.delete(session.id),
      timeoutMs: this.options.timeout,
      randomId: () => this.#randomId(),
    }
    const session = new Session(tabId, engine, queue)
    this.#sessions.set(tabId, session)
    session.emit(this.#connectionEvent())
    return session
  }

  session(tabId: string): Session | undefined {
    return this.#sessions.get(tabId)
  }

  /**
   * The network is back (the host's 'online' event): when waiting out a backoff, reconnect now.
   * No effect otherwise (connected, or disconnected on purpose), nor after a rate-limit close.
   */
  networkOnline(): void {
    if (this.#conn.name === 'reconnecting') this.#dispatch({ type: 'connect' })
  }

  /** Heartbeat now (realtime-js's sendHeartbeat()). */
  sendHeartbeat(): void {
    this.#heartbeat.dispatch({ type: 'send-now' })
  }

  /** Stops everything: every session detached, the socket closed. */
  dispose(): void {
    for (const session of Array.from(this.#sessions.values())) session.detach()
    this.#dispatch({ type: 'disconnect' })
    this.#auth.dispose()
    for (const channel of this.#channels.values()) channel.dispose()
    this.#channels.clear()
  }

  // ── connection ────────────────────────────────────────────────────────────────

  /**
   * An explicit connect() keeps the socket up without channels (no deferred disconnect)
   * until that tab calls disconnect() or goes away. A tab's disconnect() closes the socket
   * only when no tab has channels or wants it; other tabs are never cut off by one tab.
   */
  #want(sessionId: string, want: boolean): void {
    const had = this.#wanting.size
    if (want) this.#wanting.add(sessionId)
    else this.#wanting.delete(sessionId)
    if (want) this.#dispatch({ type: 'connect' })
    else if (this.#wanting.size === 0 && this.#channels.size === 0) this.#dispatch({ type: 'disconnect' })
    if (had !== this.#wanting.size) this.#dispatch({ type: 'channels' })
  }

  #dispatch(event: ConnectionEvent): void {
    this.#connQueue.push(event)
    if (this.#connBusy) return
    this.#connBusy = true
    try {
      for (let next = this.#connQueue.shift(); next; next = this.#connQueue.shift()) this.#step(next)
    } finally {
      this.#connBusy = false
    }
  }

  #step(event: ConnectionEvent): void {
    const before = this.#conn
    const [next, effects] = transitionConnection(before, event, {
      now: this.#clock.now(),
      random: (this.options.random ?? Math.random)(),
      channelCount: this.#channels.size + this.#wanting.size,
      idleAfterMs: this.options.disconnectOnEmptyChannelsAfterMs,
      policy: this.options.reconnectAfterMs ? { reconnectAfterMs: this.options.reconnectAfterMs } : {},
    })
    this.#conn = next
    for (const effect of effects) {
      switch (effect.type) {
        case 'open':
          this.#open()
          break
        case 'close':
          this.#close(effect.code, effect.reason)
          break
        case 'start-timer':
          this.#timers.start(effect.timer, effect.ms, () => this.#dispatch({ type: effect.timer === 'retry' ? 'retry-due' : 'idle-due' }))
          break
        case 'cancel-timer':
          this.#timers.cancel(effect.timer)
          break
      }
    }
    if (before.name !== 'connected' && next.name === 'connected') this.#opened()
    if (before.name === 'connected' && next.name !== 'connected') this.#socketGone()
    if (before !== next) this.#broadcastToSessions(this.#connectionEvent())
  }

  #open(): void {
    this.#settle(this.#auth.refresh())
    const gen = ++this.#socketGen
    this.#refusal = undefined
    this.counters.connects++
    let socket: SocketLike
    try {
      socket = new this.options.transport(this.url)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      this.#clock.setTimeout(() => this.#dispatch({ type: 'transport-error', message }), 0)
      return
    }
    this.#socket = socket
    socket.binaryType = 'arraybuffer'
    const current = () => gen === this.#socketGen
    socket.onopen = () => current() && this.#dispatch({ type: 'opened' })
    socket.onerror = (event) => {
      if (current()) this.#refusal = refusedStatus(event) ?? this.#refusal
    }
    socket.onclose = (event) => {
      if (!current()) return
      this.#socket = undefined
      const refused = this.#refusal
      this.#dispatch(refused !== undefined ? { type: 'refused', status: refused } : { type: 'closed', code: event?.code ?? 1006, reason: event?.reason ?? '' })
    }
    socket.onmessage = (event) => current() && this.#receive(event.data)
  }

  #close(code: number, reason: string): void {
    const socket = this.#socket
    this.#socket = undefined
    this.#socketGen++
    if (!socket) return
    try {
      socket.close(code, reason)
    } catch (error) {
      this.#log.debug('closing the socket threw', error)
    }
  }

  #opened(): void {
    this.#heartbeat.dispatch({ type: 'start' })
    this.#settle(this.#auth.settled())
  }

  #socketGone(): void {
    this.#heartbeat.dispatch({ type: 'stop' })
    for (const channel of this.#channels.values()) channel.socketDown()
  }

  /** Joins wait while a token request is in flight; then every channel gets `ready`. */
  #settle(request: Promise<unknown>): void {
    this.#settling = true
    void request
      .catch((error: unknown) => this.#log.warn('token request failed', error))
      .then(() => this.#auth.settled())
      .then(() => {
        this.#settling = false
        if (this.#conn.name === 'connected') for (const channel of this.#channels.values()) channel.ready()
      })
  }

  #connectionEvent(): EngineEvent {
    const s = this.#conn
    if (s.name === 'reconnecting') {
      return { type: 'connection', state: s.name, attempt: s.attempt, retryInMs: Math.max(0, s.retryAt - this.#clock.now()), error: connectionErrorData(s.lastError) }
    }
    if (s.name === 'failed') return { type: 'connection', state: s.name, error: connectionErrorData(s.error) }
    if (s.name === 'connecting') return { type: 'connection', state: s.name, attempt: s.attempt }
    return { type: 'connection', state: s.name }
  }

  // ── frames ────────────────────────────────────────────────────────────────────

  #nextRef(): string {
    this.#ref++
    return String(this.#ref)
  }

  #send(message: Message): boolean {
    const socket = this.#socket
    if (!socket || this.#conn.name !== 'connected') return false
    try {
      socket.send(this.#serializer.encode(message))
      this.counters.framesOut++
      return true
    } catch (error) {
      this.#log.error(`could not send ${message.event} on ${message.topic}`, error)
      return false
    }
  }

  #receive(data: unknown): void {
    this.counters.framesIn++
    const decoded = this.#serializer.decode(data)
    if (!decoded.ok) {
      this.counters.decodeErrors++
      this.#log.warn(`dropped an undecodable frame (${decoded.error.kind}): ${decoded.error.detail}`)
      return
    }
    const message = decoded.message
    if (message.topic === 'phoenix') {
      if (message.event === 'phx_reply' && message.ref !== null) {
        const status = (message.payload as { status?: unknown } | null)?.status
        this.#heartbeat.dispatch({ type: 'reply', ref: message.ref, status: typeof status === 'string' ? status : 'error' })
      }
      return
    }
    const channel = this.#channels.get(message.topic)
    if (!channel) {
      this.counters.unroutable++
      return
    }
    try {
      channel.receive(message)
    } catch (error) {
      this.#log.error(`handling ${message.event} on ${message.topic} failed`, error)
    }
  }

  // ── channels and sessions ─────────────────────────────────────────────────────

  #channelFor(topic: string): ServerChannel {
    let channel = this.#channels.get(topic)
    if (!channel) {
      channel = new ServerChannel(topic, this.#host)
      this.#channels.set(topic, channel)
      this.#dispatch({ type: 'channels' })
    }
    return channel
  }

  #channelChanged(channel: ServerChannel): void {
    if (channel.subscriptionCount === 0 && (channel.state.name === 'closed' || channel.state.name === 'failed')) {
      if (this.#channels.get(channel.topic) === channel) {
        this.#channels.delete(channel.topic)
        channel.dispose()
        this.#dispatch({ type: 'channels' })
      }
    }
  }

  #broadcastToSessions(event: EngineEvent): void {
    for (const session of this.#sessions.values()) session.emit(event)
  }

  /** A plain-data snapshot for the inspector and tests. */
  inspect() {
    return {
      connection: this.#connectionEvent(),
      clientId: this.#clientIdValue ?? null,
      url: this.url.replace(/apikey=[^&]*/, 'apikey=…'),
      heartbeat: { state: this.#heartbeat.state, lastRttMs: this.#heartbeat.lastRttMs, recentRttMs: this.#heartbeat.recentRttMs },
      token: { present: this.#auth.token !== null, settling: this.#settling },
      sessions: [...this.#sessions.values()].map((s) => ({ id: s.id, subscriptions: s.subscriptions.size, queueDepth: s.queue.depth, dropped: s.queue.dropped })),
      channels: [...this.#channels.values()].map((c) => c.snapshot()),
      counters: { ...this.counters },
      durable: this.#durable ? { inFlight: this.#durable.inFlight } : null,
    }
  }
}

export type EngineSnapshot = ReturnType<Engine['inspect']>
