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

import { createSerializer, DEFAULT_VSN, type Message, type Serializer, type Vsn } from '@shared-realtime/protocol'
import { AuthTokenManager } from './auth-token.ts'
import { type Clock, type TimerId, realClock } from './clock.ts'
import type { EngineEvent, ErrorData } from './events.ts'
import { type Logger, silentLogger } from './logger.ts'
import { type ConnectionEvent, type ConnectionState, type ConnectionTimer, initialConnectionState, transitionConnection } from './machines/connection.ts'
import { type HeartbeatEvent, type HeartbeatState, type HeartbeatTimer, initialHeartbeatState, transitionHeartbeat } from './machines/heartbeat.ts'
import { ServerChannel, type ChannelHost } from './server-channel.ts'
import { Session, type SessionEngine } from './session.ts'
import { type Sink, SessionQueue } from './session-queue.ts'
import { refusedStatus, type SocketLike, socketUrl, type WebSocketLikeConstructor } from './transport.ts'
import type { ConnectionError } from './machines/connection.ts'
import type { TokenProvider } from './auth-token.ts'
import { DEFAULT_DURABLE_LIMIT, defaultRandomId, DurableStore } from './durable.ts'
import { loadClientId } from './client-id.ts'
import type { Storage } from './storage.ts'

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

function connectionErrorData(error: ConnectionError): ErrorData {
  switch (error.kind) {
    case 'refused':
      return { kind: 'connect-refused', message: `the server refused the connection (HTTP ${error.status})`, retryable: ![401, 403, 404].includes(error.status) }
    case 'closed':
      return { kind: 'socket-closed', message: `socket closed: ${error.code}${error.reason ? ` (${error.reason})` : ''}`, retryable: true }
    case 'heartbeat-timeout':
      return { kind: 'heartbeat-timeout', message: 'heartbeat timeout', retryable: true }
    case 'transport-error':
      return { kind: 'transport-error', message: error.message, retryable: true }
  }
}

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
  readonly #timers = new Map<ConnectionTimer | HeartbeatTimer | 'hb-interval' | 'hb-timeout', TimerId>()
  #conn: ConnectionState = initialConnectionState
  #hb: HeartbeatState = initialHeartbeatState
  #socket: SocketLike | undefined
  #socketGen = 0
  #refusal: number | undefined
  #settling = false
  #ref = 0
  #lastRttMs: number | undefined
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

  /** Heartbeat now (realtime-js's sendHeartbeat()). */
  sendHeartbeat(): void {
    this.#heartbeat({ type: 'send-now' })
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
          this.#setTimer(effect.timer, effect.ms, () => this.#dispatch({ type: effect.timer === 'retry' ? 'retry-due' : 'idle-due' }))
          break
        case 'cancel-timer':
          this.#clearTimer(effect.timer)
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
    this.#heartbeat({ type: 'start' })
    this.#settle(this.#auth.settled())
  }

  #socketGone(): void {
    this.#heartbeat({ type: 'stop' })
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

  // ── heartbeat ─────────────────────────────────────────────────────────────────

  #heartbeat(event: HeartbeatEvent): void {
    const [next, effects] = transitionHeartbeat(this.#hb, event, {
      now: this.#clock.now(),
      ref: String(this.#ref + 1),
      intervalMs: this.options.heartbeatIntervalMs,
      timeoutMs: this.options.heartbeatTimeoutMs,
    })
    this.#hb = next
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          this.#ref = Math.max(this.#ref, Number(effect.ref))
          this.#send({ join_ref: null, ref: effect.ref, topic: 'phoenix', event: 'heartbeat', payload: {} })
          break
        case 'start-timer':
          this.#setTimer(effect.timer === 'interval' ? 'hb-interval' : 'hb-timeout', effect.ms, () => this.#heartbeat({ type: effect.timer === 'interval' ? 'tick' : 'timeout' }))
          break
        case 'cancel-timer':
          this.#clearTimer(effect.timer === 'interval' ? 'hb-interval' : 'hb-timeout')
          break
        case 'report':
          if (effect.rttMs !== undefined) this.#lastRttMs = effect.rttMs
          this.#broadcastToSessions(effect.rttMs === undefined ? { type: 'heartbeat', status: effect.status } : { type: 'heartbeat', status: effect.status, rttMs: effect.rttMs })
          break
        case 'timed-out':
          this.#dispatch({ type: 'heartbeat-timeout' })
          break
      }
    }
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
        this.#heartbeat({ type: 'reply', ref: message.ref, status: typeof status === 'string' ? status : 'error' })
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

  #setTimer(name: ConnectionTimer | 'hb-interval' | 'hb-timeout', ms: number, fire: () => void): void {
    this.#clearTimer(name)
    this.#timers.set(name, this.#clock.setTimeout(() => {
      this.#timers.delete(name)
      fire()
    }, ms))
  }

  #clearTimer(name: ConnectionTimer | 'hb-interval' | 'hb-timeout'): void {
    const timer = this.#timers.get(name)
    if (timer !== undefined) this.#clock.clearTimeout(timer)
    this.#timers.delete(name)
  }

  /** A plain-data snapshot for the inspector and tests. */
  inspect() {
    return {
      connection: this.#connectionEvent(),
      clientId: this.#clientIdValue ?? null,
      url: this.url.replace(/apikey=[^&]*/, 'apikey=…'),
      heartbeat: { state: this.#hb.name, lastRttMs: this.#lastRttMs },
      token: { present: this.#auth.token !== null, settling: this.#settling },
      sessions: [...this.#sessions.values()].map((s) => ({ id: s.id, subscriptions: s.subscriptions.size, queueDepth: s.queue.depth, dropped: s.queue.dropped })),
      channels: [...this.#channels.values()].map((c) => c.snapshot()),
      counters: { ...this.counters },
      durable: this.#durable ? { inFlight: this.#durable.inFlight } : null,
    }
  }
}

export type EngineSnapshot = ReturnType<Engine['inspect']>
