// Runs in the tab.
// RealtimeClient: realtime-js's client API (REALTIME-JS.md §1.2) with the engine in a
// SharedWorker (or a dedicated Worker, or this page: `host`). What it adds, documented in
// the README: `host`, `workerUrl`, `onStatusChange` / `statusChanges`, `inspect()`.

import { type EngineEvent, guardLimits, realClock, type TimerId } from '@shared-realtime/engine'
import {
  engineConfig,
  type HeartbeatStatus,
  hiddenBatchMs,
  levels,
  type RealtimeClientOptions,
} from './client-options.ts'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_TIMEOUT } from './constants.ts'
import { RealtimeError } from './errors.ts'
import type { EngineConfig } from './host/protocol.ts'
import type { HostFallback, HostKind, HostLink, HostSnapshot } from './host/tab/link.ts'
import { attachHost, hostCandidates, type HostLinkOptions } from './host/tab/select.ts'
import { spawnSharedWorker, type WorkerSpawn } from './host/tab/spawn.ts'
import { type ChannelOwner, RealtimeChannel, type RealtimeChannelOptions } from './RealtimeChannel.ts'
import { loadPresence, presenceReady } from './RealtimePresence.ts'
import type { RestContext } from './rest.ts'
import { StatusStream } from './status-stream.ts'
import { tokenIdentity } from './token-identity.ts'

export type { HeartbeatStatus, RealtimeClientOptions } from './client-options.ts'
export type ConnectionStatus = Extract<EngineEvent, { type: 'connection' }>

const DISCONNECTED: ConnectionStatus = { type: 'connection', state: 'disconnected' }

/** How long the accessToken callback's answer, asked by the client, stands in for the engine's next ask. */
const PREFETCH_FRESH_MS = 5000

export class RealtimeClient {
  readonly endPoint: string
  readonly params: Record<string, string>
  readonly apiKey: string
  readonly httpEndpoint: string
  readonly timeout: number
  readonly heartbeatIntervalMs: number
  readonly vsn: '1.0.0' | '2.0.0'
  channels: RealtimeChannel[] = []
  accessTokenValue: string | null = null
  accessToken: (() => Promise<string | null>) | null
  readonly #options: RealtimeClientOptions
  /** The hosts to try, best first, and how to reach them. */
  readonly #hosts: HostKind[]
  readonly #hostOptions: HostLinkOptions
  /** The host in use: known once attached (or at once when it is the only kind that can run here). */
  #host: HostKind | 'pending'
  /** Why the host in use is not the one asked for (inspect() shows it). */
  #fallback: HostFallback | undefined
  #attached: Promise<HostLink> | undefined
  /** The connection as this client reads it: the engine's, or closed after its disconnect() (`#closed`). */
  #connection: ConnectionStatus = DISCONNECTED
  /** The shared socket's state, as the engine last told it. */
  #engineConnection: ConnectionStatus = DISCONNECTED
  /** This client called disconnect() (or removeAllChannels()) and has not called connect() or subscribed since. */
  #closed = false
  /** When the engine last told its state (performance.now()): a wait for a retry counts from there. */
  #engineAt = 0
  /** This client knows what it reads: the engine has told it, or it closed itself (disconnect()). */
  #known = false
  /** Resolves with the engine's first `connection` event (every attach starts with one: its current state). */
  readonly #firstStatus: Promise<void>
  #statusArrived: () => void = () => {}
  #heartbeatCallback: ((status: HeartbeatStatus, latency?: number) => void) | undefined
  readonly #status = new StatusStream<ConnectionStatus>(() => this.#current())
  readonly #bySub = new Map<string, RealtimeChannel>()
  readonly #fetch: typeof fetch
  /**
   * Who this client's token speaks for (`<role>:<sub>`, or `anon`): part of its engine's key, so clients of different
   * users never share a socket. A token of another identity moves the client to that identity's engine (decision 61).
   */
  #identity = 'anon'
  /** The config this client is attached with (its identity included). */
  #config: EngineConfig | undefined
  /** The accessToken callback's latest answer, asked by this client itself; the engine's next ask takes it. */
  #prefetched: { token: string | null; at: number } | undefined
  /** setAuth calls and identity moves, one at a time. */
  #auth: Promise<unknown> = Promise.resolve()
  /** A subscribe() or connect() was called: a connection opening tells the worker to open the socket at once. */
  #wantsSocket = false
  /** Events waiting for the presence code (#holdForPresence), in their order. */
  #held: EngineEvent[] | undefined

  constructor(endPoint: string, options: RealtimeClientOptions = {}) {
    const apikey = options.params?.apikey
    if (!apikey) throw new Error('API key is required to connect to Realtime')
    const vsn = options.vsn ?? '2.0.0'
    if (vsn !== '1.0.0' && vsn !== '2.0.0') throw new Error(`Unsupported serializer version: ${String(vsn)}`)
    if (options.guards !== undefined) guardLimits(options.guards, 'RealtimeClientOptions.guards') // throws RangeError
    this.#options = options
    this.endPoint = endPoint.replace(/\/+$/, '')
    this.params = Object.fromEntries(Object.entries(options.params ?? {}).map(([k, v]) => [k, String(v)]))
    const logLevel = options.logLevel ?? options.log_level
    if (logLevel) this.params.log_level = logLevel
    this.apiKey = apikey
    this.vsn = vsn
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? DEFAULT_HEARTBEAT_INTERVAL_MS
    this.httpEndpoint = `${this.endPoint.replace(/^ws/i, 'http').replace(/\/(websocket|socket)$/, '')}/api/broadcast`
    this.accessToken = options.accessToken ?? null
    this.#heartbeatCallback = options.heartbeatCallback
    this.#fetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args))
    this.#hostOptions = {
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.workerUrl ? { workerUrl: options.workerUrl } : {}),
      ...(options.logger ? { logger: levels(options.logger) } : {}),
      hiddenBatchMs: hiddenBatchMs(options.hiddenBatchMs), // throws RangeError
      wantsSocket: () => this.#wantsSocket,
      asked: options.host ?? 'auto',
      attached: (kind, fallback) => {
        this.#host = kind
        this.#fallback = fallback
      },
    }
    this.#hosts = hostCandidates(options.host ?? 'auto', this.#hostOptions)
    this.#firstStatus = new Promise((resolve) => (this.#statusArrived = resolve))
    this.#host = this.#hosts.length === 1 ? (this.#hosts[0] as HostKind) : 'pending'
    // the SharedWorker starts loading now, in parallel with the page's own work; the attach below takes it (a
    // constructor that throws here, e.g. under a CSP, throws again there and the next host is tried)
    let early = this.#hosts[0] === 'shared-worker' ? earlySharedWorker(options.workerUrl) : undefined
    this.#hostOptions.early = () => {
      const spawn = early
      early = undefined
      return spawn
    }
    // Attach to the host now, in the background: no socket opens until a channel is subscribed
    // or connect() is called, but a tab's first subscribe then costs one message instead of a
    // SharedWorker connection and a lock (decision 41). A failure shows at the first call.
    setTimeout(() => void this.#ready().catch(() => undefined), 0)
    // a worker may never get `online` (none reached ours in Chromium): the tab tells its engine the network is back,
    // so it reconnects now instead of at the end of its backoff (up to 30 s)
    globalThis.addEventListener?.(
      'online',
      () => void this.#attached?.then((attached) => attached.networkOnline()).catch(() => undefined),
    )
  }

  /**
   * Where the engine of this client runs: the host actually in use, 'pending' until the client has attached to
   * one (known at once when only one kind can run here, e.g. `host: 'page'` or Node). A host other than the one
   * asked for is warned once and explained in `inspect().fallback`.
   */
  get host(): HostKind | 'pending' {
    return this.#host
  }

  endpointURL(): string {
    const query = Object.entries({ ...this.params, vsn: this.vsn })
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
      .join('&')
    return `${this.endPoint}/websocket?${query}`
  }

  connect(): void {
    this.#wantsSocket = true
    this.#reopen()
    void this.#ready().then((link) => link.connect())
  }

  /**
   * Resolves when this client reads closed (`isConnected()` false, `connectionState()` 'closed') and, when no
   * other client of its engine (tab, or client of this page) has channels or called connect(), once the shared
   * socket has closed. Otherwise the socket stays open for them; this client reads closed all the same until its
   * next connect() or subscribe(). Its own channels stay in getChannels(), as in realtime-js.
   */
  async disconnect(_code?: number, _reason?: string): Promise<'ok' | 'timeout'> {
    this.#closed = true
    this.#wantsSocket = false
    this.#show(DISCONNECTED)
    const link = await this.#ready()
    await link.disconnect()
    return 'ok'
  }

  channel(topic: string, params: RealtimeChannelOptions = { config: {} }): RealtimeChannel {
    const full = `realtime:${topic}`
    const existing = this.channels.find((c) => c.topic === full)
    if (existing) return existing
    const owner: ChannelOwner = {
      link: () => this.#ready(),
      rest: (timeoutMs) => this.#rest(timeoutMs),
      timeout: this.timeout,
      removed: (channel) => this.#removed(channel),
      subscribing: () => ((this.#wantsSocket = true), this.#reopen()),
      vsn: this.vsn,
      logError: (message) => (this.hasLogger() ? this.log('channel', message) : console.error(message)),
      log: (kind, message, data) => this.log(kind, message, data),
    }
    const channel = new RealtimeChannel(full, params, owner)
    this.channels.push(channel)
    this.#bySub.set(channel.subId, channel)
    return channel
  }

  getChannels(): RealtimeChannel[] {
    return this.channels
  }

  async removeChannel(channel: RealtimeChannel): Promise<'ok' | 'timed out' | 'error'> {
    const result = await channel.unsubscribe()
    if (result === 'ok') {
      channel.teardown()
      this.#removed(channel)
    }
    return result
  }

  /**
   * Unsubscribes every channel, then disconnect(): when it resolves, this client reads closed and has no channel
   * (but those whose leave failed), and the socket has closed unless other clients of its engine still need it.
   */
  async removeAllChannels(): Promise<Array<'ok' | 'timed out' | 'error'>> {
    const results = await Promise.all(this.channels.map((channel) => this.removeChannel(channel)))
    await this.disconnect()
    return results
  }

  /**
   * Sets the token of this client's engine: of every client and tab of the same user (identity), the latest
   * setAuth wins. A token of another user (sign-in, sign-out, `sub` changed) moves this client to that user's
   * engine, its channels with it; the engine it leaves keeps its token for the others (decision 61).
   * A token the server refuses rejects with a RealtimeError of kind `token-refused`; the token before it stays.
   * With an `accessToken` callback the callback stays the source of truth (realtime-js 2.112.1): `setAuth(token)`
   * uses the token now, and the engine asks the callback again at its next refresh (a connect, before the token
   * expires, when the server says it expired). Without one, the token stays until the next `setAuth` (decision 74).
   */
  setAuth(token: string | null = null): Promise<void> {
    const run = this.#auth.then(() => this.#setAuth(token))
    this.#auth = run.catch(() => undefined)
    return run
  }

  async #setAuth(token: string | null): Promise<void> {
    const link = await this.#ready()
    if (token !== null) {
      const previous = this.accessTokenValue
      this.accessTokenValue = token
      try {
        const who = tokenIdentity(token)
        if (who !== this.#identity) await this.#moveTo(link, who, token)
        else await link.setAuth(token)
      } catch (error) {
        this.accessTokenValue = previous
        throw error
      }
    } else if (this.accessToken) {
      // who the callback speaks for now decides the engine; the engine's own ask then takes this answer
      const answer = await this.#askProvider(this.accessToken)
      const who = answer.ok ? tokenIdentity(answer.token) : this.#identity
      if (who !== this.#identity) await this.#moveTo(link, who, null)
      else await link.setAuth(null)
    }
  }

  /**
   * Moves this client, its channels and presence with it, to the engine of identity `who`. Resolves once its joined
   * channels have joined again there (or failed, or `timeout` passed): the app's next send goes on a joined channel.
   */
  async #moveTo(link: HostLink, who: string, token: string | null): Promise<void> {
    const from = this.#identity
    this.#identity = who
    const config: EngineConfig = { ...(this.#config ?? engineConfig(this, this.#options)), identity: who }
    this.#config = config
    const moving = this.channels.filter((channel) => channel.state === 'joined')
    for (const channel of moving) channel.state = 'joining' // rejoining, on the new identity's socket
    try {
      await link.rebind(config, token)
    } catch (error) {
      this.#identity = from
      for (const channel of moving) if (channel.state === 'joining') channel.state = 'joined'
      throw error
    }
    await Promise.all(moving.map((channel) => this.#rejoined(channel)))
  }

  /** Resolves when `channel` is no longer joining (its join's outcome came), or after the client's `timeout`. */
  #rejoined(channel: RealtimeChannel): Promise<void> {
    return new Promise((resolve) => {
      let off: (() => void) | undefined
      const timer = realClock.setTimeout(() => done(), this.timeout)
      const done = () => {
        realClock.clearTimeout(timer)
        off?.()
        resolve()
      }
      off = channel.onStatusChange(() => channel.state !== 'joining' && done())
      if (channel.state !== 'joining') done()
    })
  }

  /** Asks the accessToken callback; its answer is kept for the engine's next ask (one call, not two). */
  async #askProvider(
    provider: () => Promise<string | null>,
  ): Promise<{ ok: true; token: string | null } | { ok: false }> {
    let timer: ReturnType<typeof realClock.setTimeout> | undefined
    const late = new Promise<never>((_, reject) => {
      timer = realClock.setTimeout(() => reject(new Error('accessToken did not answer')), this.timeout)
    })
    try {
      // a callback that never answers must not hold the attach (and every call after it): the engine asks it again
      const token = (await Promise.race([provider(), late])) || null
      this.accessTokenValue = token
      this.#prefetched = { token, at: Date.now() }
      return { ok: true, token }
    } catch {
      return { ok: false } // the engine asks again and logs it, as realtime-js falls back to the cached token
    } finally {
      if (timer !== undefined) realClock.clearTimeout(timer)
    }
  }

  isConnected(): boolean {
    return this.#connection.state === 'connected'
  }

  isConnecting(): boolean {
    return this.#connection.state === 'connecting'
  }

  isDisconnecting(): boolean {
    return false
  }

  connectionState(): 'connecting' | 'open' | 'closing' | 'closed' {
    switch (this.#connection.state) {
      case 'connected':
        return 'open'
      case 'connecting':
        return 'connecting'
      default:
        return 'closed'
    }
  }

  /** realtime-js's `log`: hands a line to the `logger` option, if any. */
  log(kind: string, message: string, data?: unknown): void {
    this.#options.logger?.(kind, message, data)
  }

  /** Whether the `logger` option was given (realtime-js's `hasLogger`). */
  hasLogger(): boolean {
    return this.#options.logger !== undefined
  }

  onHeartbeat(callback: (status: HeartbeatStatus, latency?: number) => void): void {
    this.#heartbeatCallback = callback
  }

  /**
   * The connection's state (with attempt, retryInMs and error when reconnecting), then its changes; returns an
   * unsubscribe function. The callback hears the current state during this call once the client knows it (from
   * the engine's first answer, or its own disconnect()): a tab that attaches to a running engine (a reload, a new
   * tab) learns the shared socket's state whenever it registers. Before that, it hears the first state that arrives.
   */
  onStatusChange(callback: (status: ConnectionStatus) => void): () => void {
    return this.#status.listen(callback)
  }

  /** The same as an async iterable: the current state first (once known), then each change. */
  get statusChanges(): AsyncIterable<ConnectionStatus> {
    return this.#status
  }

  /** A snapshot of the engine this tab shares: host, sockets, channels, tabs, queues, counters. */
  async inspect(): Promise<HostSnapshot> {
    const snapshot = await (await this.#ready()).inspect()
    return this.#fallback ? { ...snapshot, fallback: this.#fallback } : snapshot
  }

  /**
   * Deletes every durable send stored by this origin (every user, every project) that has not gone
   * out yet — e.g. at sign-out — and resolves with how many there were. A push already sent still
   * gets its answer. Not in realtime-js.
   */
  async clearDurable(): Promise<number> {
    return (await this.#ready()).clearDurable()
  }

  // ── internals ─────────────────────────────────────────────────────────────────

  #ready(): Promise<HostLink> {
    this.#attached ??= (async () => {
      const provider = this.accessToken
      // the callback's user decides which engine to share: asked once before attaching, and that answer is the one
      // the engine takes when it asks at once (on setTokenProvider)
      if (provider) {
        const answer = await this.#askProvider(provider)
        if (answer.ok) this.#identity = tokenIdentity(answer.token)
      }
      const config: EngineConfig = { ...engineConfig(this, this.#options), identity: this.#identity }
      this.#config = config
      // every call awaits this: one made before the attach finished runs on the link that attached
      const onEvents = (events: EngineEvent[]) => this.#onEvents(events)
      const link = await attachHost(this.#hosts, this.#hostOptions, config, onEvents)
      await this.#statusKnown()
      if (provider) await link.setTokenProvider(() => this.#provide(link, provider))
      return link
    })()
    return this.#attached
  }

  /**
   * The engine asks this client's accessToken callback. An answer for another user moves the client to that user's
   * engine (this engine refuses it and keeps its token).
   */
  async #provide(link: HostLink, provider: () => Promise<string | null>): Promise<string | null> {
    const prefetched = this.#prefetched
    this.#prefetched = undefined
    const token = prefetched && Date.now() - prefetched.at < PREFETCH_FRESH_MS ? prefetched.token : await provider()
    this.accessTokenValue = token
    const who = tokenIdentity(token)
    if (who !== this.#identity) {
      const move = this.#auth.then(() => (who === this.#identity ? undefined : this.#moveTo(link, who, null)))
      this.#auth = move.catch(() => undefined)
    }
    return token
  }

  #rest(timeoutMs = this.timeout): RestContext {
    return {
      endpoint: this.httpEndpoint,
      apiKey: this.apiKey,
      token: this.accessTokenValue,
      fetch: this.#fetch,
      timeoutMs,
    }
  }

  /** The connection this client reads is the engine's again (connect(), a subscribe after a disconnect()). */
  #reopen(): void {
    if (!this.#closed) return
    this.#closed = false
    this.#show(this.#engineConnection)
  }

  /** What this client reads, told to its status listeners when it changes. */
  #show(status: ConnectionStatus): void {
    const same =
      status === this.#connection || (status.state === 'disconnected' && this.#connection.state === 'disconnected')
    if (same && this.#known) return
    this.#known = true
    this.#connection = status
    this.#status.push(status)
  }

  /**
   * What a new status listener starts with: what this client reads, once it knows it (undefined before). A wait
   * for a retry is told as what is left of it.
   */
  #current(): ConnectionStatus | undefined {
    if (!this.#known) return undefined
    const status = this.#connection
    if (status.retryInMs === undefined || status !== this.#engineConnection) return status
    return { ...status, retryInMs: Math.max(0, Math.round(status.retryInMs - (now() - this.#engineAt))) }
  }

  /**
   * Resolves once the engine has told this client its connection state, so isConnected() and connectionState() are
   * right from the first answer of any call. Every attach starts with that event, but it comes on the events port,
   * not with the attach's answer; a host that never sends it (a worker lost at once) costs at most `timeout`.
   */
  async #statusKnown(): Promise<void> {
    let timer: TimerId | undefined
    const late = new Promise<void>((resolve) => (timer = realClock.setTimeout(resolve, this.timeout)))
    await Promise.race([this.#firstStatus, late])
    if (timer !== undefined) realClock.clearTimeout(timer)
  }

  #removed(channel: RealtimeChannel): void {
    this.channels = this.channels.filter((c) => c !== channel)
    this.#bySub.delete(channel.subId)
  }

  /**
   * A presence event came before the presence code loaded (a chunk of its own, decision 77): its delivery and every
   * later one wait until it has, then go on in their order. A chunk that cannot load drops the held presence events
   * (logged); the next presence event tries again.
   */
  #holdForPresence(events: EngineEvent[]): void {
    const held = (this.#held = events)
    const release = (failed: unknown) => {
      this.#held = undefined
      if (failed !== undefined) {
        const message = `presence code did not load; presence events dropped: ${String(failed)}`
        if (this.hasLogger()) this.log('presence', message)
        else console.error(message)
      }
      this.#onEvents(failed === undefined ? held : held.filter((event) => !isPresence(event)))
    }
    loadPresence().then(
      () => release(undefined),
      (error: unknown) => release(error ?? 'failed'),
    )
  }

  #onEvents(events: EngineEvent[]): void {
    if (this.#held) {
      this.#held.push(...events)
      return
    }
    // the whole delivery waits: what came with a presence event (a join's SUBSCRIBED) still comes with it
    if (!presenceReady() && events.some(isPresence)) {
      this.#holdForPresence(events)
      return
    }
    for (const event of events) {
      if (event.type === 'connection') {
        this.#engineConnection = event
        this.#engineAt = now()
        this.#statusArrived()
        if (!this.#closed) {
          this.#connection = event
          this.#known = true
          this.#status.push(event)
        }
      } else if (event.type === 'heartbeat') {
        // a closed client hears no heartbeat of the socket other clients keep open
        if (event.status !== 'disconnected' && !this.#closed) this.#heartbeatCallback?.(event.status, event.rttMs)
      } else if (event.type === 'gap') {
        for (const channel of this.channels)
          channel.receive({
            type: 'system',
            sub: channel.subId,
            payload: {
              extension: 'system',
              status: 'ok',
              message: 'gap',
              channel: channel.subTopic,
              dropped: event.dropped,
            },
          })
      } else {
        this.#bySub.get(event.sub)?.receive(event)
      }
    }
  }
}

const now = (): number => globalThis.performance?.now() ?? Date.now()

function earlySharedWorker(workerUrl: string | URL | undefined): WorkerSpawn | undefined {
  try {
    return spawnSharedWorker(workerUrl)
  } catch {
    return undefined
  }
}

const isPresence = (event: EngineEvent): boolean => event.type === 'presence-state' || event.type === 'presence-diff'

export { RealtimeError }
