// Runs in the tab.
// RealtimeClient: realtime-js's client API (REALTIME-JS.md §1.2) with the engine in a
// SharedWorker (or a dedicated Worker, or this page: `host`). What it adds, documented in
// the README: `host`, `workerUrl`, `onStatusChange` / `statusChanges`, `inspect()`.

import type { EngineEvent } from '@shared-realtime/engine'
import { engineConfig, type HeartbeatStatus, levels, type RealtimeClientOptions } from './client-options.ts'
import { DEFAULT_HEARTBEAT_INTERVAL_MS, DEFAULT_TIMEOUT } from './constants.ts'
import { RealtimeError } from './errors.ts'
import type { HostFallback, HostKind, HostLink, HostSnapshot } from './host/tab/link.ts'
import { attachHost, hostCandidates, type HostLinkOptions } from './host/tab/select.ts'
import { type ChannelOwner, RealtimeChannel, type RealtimeChannelOptions } from './RealtimeChannel.ts'
import type { RestContext } from './rest.ts'
import { StatusStream } from './status-stream.ts'

export type { HeartbeatStatus, RealtimeClientOptions } from './client-options.ts'
export type ConnectionStatus = Extract<EngineEvent, { type: 'connection' }>

const DISCONNECTED: ConnectionStatus = { type: 'connection', state: 'disconnected' }

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
  #heartbeatCallback: ((status: HeartbeatStatus, latency?: number) => void) | undefined
  readonly #status = new StatusStream<ConnectionStatus>()
  readonly #bySub = new Map<string, RealtimeChannel>()
  readonly #fetch: typeof fetch

  constructor(endPoint: string, options: RealtimeClientOptions = {}) {
    const apikey = options.params?.apikey
    if (!apikey) throw new Error('API key is required to connect to Realtime')
    const vsn = options.vsn ?? '2.0.0'
    if (vsn !== '1.0.0' && vsn !== '2.0.0') throw new Error(`Unsupported serializer version: ${String(vsn)}`)
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
      asked: options.host ?? 'auto',
      attached: (kind, fallback) => {
        this.#host = kind
        this.#fallback = fallback
      },
    }
    this.#hosts = hostCandidates(options.host ?? 'auto', this.#hostOptions)
    this.#host = this.#hosts.length === 1 ? (this.#hosts[0] as HostKind) : 'pending'
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
      subscribing: () => this.#reopen(),
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

  /** Sets the token for every channel of this browser (the latest setAuth of any tab wins). */
  async setAuth(token: string | null = null): Promise<void> {
    const link = await this.#ready()
    if (token !== null) {
      this.accessTokenValue = token
      await link.setAuth(token)
    } else if (this.accessToken) {
      await link.setAuth(null)
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

  onHeartbeat(callback: (status: HeartbeatStatus, latency?: number) => void): void {
    this.#heartbeatCallback = callback
  }

  /** The connection's state changes (with attempt, retryInMs and error when reconnecting); returns an unsubscribe function. */
  onStatusChange(callback: (status: ConnectionStatus) => void): () => void {
    return this.#status.listen(callback)
  }

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
      const config = engineConfig(this, this.#options)
      // every call awaits this: one made before the attach finished runs on the link that attached
      const onEvents = (events: EngineEvent[]) => this.#onEvents(events)
      const link = await attachHost(this.#hosts, this.#hostOptions, config, onEvents)
      if (this.accessToken) {
        const provider = this.accessToken
        await link.setTokenProvider(async () => {
          const token = await provider()
          this.accessTokenValue = token
          return token
        })
      }
      return link
    })()
    return this.#attached
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
    if (status === this.#connection || (status.state === 'disconnected' && this.#connection.state === 'disconnected'))
      return
    this.#connection = status
    this.#status.push(status)
  }

  #removed(channel: RealtimeChannel): void {
    this.channels = this.channels.filter((c) => c !== channel)
    this.#bySub.delete(channel.subId)
  }

  #onEvents(events: EngineEvent[]): void {
    for (const event of events) {
      if (event.type === 'connection') {
        this.#engineConnection = event
        if (!this.#closed) {
          this.#connection = event
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

export { RealtimeError }
