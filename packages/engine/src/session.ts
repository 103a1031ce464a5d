// A tab's handle on the engine (DESIGN.md "Many tabs, one socket"): what one tab's
// RealtimeClient can do. Subscriptions are the tab's RealtimeChannels, by an id the tab
// chooses; events for them come back through the session's queue.

import type { ServerChannel } from './server-channel.ts'
import type { SessionHandle } from './subscriptions.ts'
import { DEFAULT_DURABLE_TTL_MS, MAX_DURABLE_TTL_MS } from './durable.ts'
import type { EngineEvent, ErrorData } from './events.ts'
import type { SubscriptionSpec } from './join-union.ts'
import type { PushResult } from './outbox.ts'
import type { SessionQueue } from './session-queue.ts'
import type { TokenProvider } from './auth-token.ts'

/** What a Session needs from the engine (tab-registry.ts provides it). */
export interface SessionEngine {
  channelFor(topic: string): ServerChannel
  existingChannel(topic: string): ServerChannel | undefined
  /** Why `topic` cannot have a channel (the socket's channel limit, guards.ts), else undefined. */
  channelRefusal(topic: string): ErrorData | undefined
  /** @throws {TokenRefusedError} (rejects) when the server refuses `token`: the token in use stays */
  setAuth(sessionId: string, token: string | null): Promise<void>
  addProvider(sessionId: string, provider: TokenProvider): void
  removeProvider(sessionId: string): void
  /** A subscription needs the socket. */
  ensureConnected(): void
  /** realtime-js's connect() from this tab; `false`: the tab went away. */
  wantConnection(sessionId: string, want: boolean): void
  /** realtime-js's disconnect() from this tab: resolves once the socket has closed when it closes. */
  disconnect(sessionId: string): Promise<void>
  detached(session: Session): void
  /** The default send() timeout. */
  readonly timeoutMs: number
  randomId(): string
}

/** Options of one broadcast (Session.send). */
export interface SendOptions {
  /**
   * Stored (EngineOptions.storage) until the server acknowledges it: it survives a reload and
   * the closing of every tab, and goes out after the topic's next join (packages/engine/README.md
   * "Durable sends"). The payload must be JSON (no binary payload).
   */
  durable?: boolean
  /** How long a durable broadcast may wait to go out. Default 24 h, at most 30 days. */
  ttlMs?: number
  /** The durable item's id: a send repeated with the same id is stored once. Default: a random id. */
  id?: string
}

/** The durable part of a send, checked; undefined for a plain send. @throws {TypeError} */
function durableOf(
  payload: Record<string, unknown>,
  options: SendOptions,
  randomId: () => string,
): { id: string; ttlMs: number } | undefined {
  if (options.durable !== true) return undefined
  const ttlMs = options.ttlMs ?? DEFAULT_DURABLE_TTL_MS
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > MAX_DURABLE_TTL_MS) {
    throw new TypeError(
      `send(): ttlMs must be a number of milliseconds from 1 to ${MAX_DURABLE_TTL_MS}, got ${String(ttlMs)}`,
    )
  }
  if (
    options.id !== undefined &&
    (typeof options.id !== 'string' || options.id.length === 0 || options.id.length > 128)
  ) {
    throw new TypeError('send(): a durable id must be a string of 1 to 128 characters')
  }
  const inner = payload.payload
  if (inner instanceof ArrayBuffer || ArrayBuffer.isView(inner))
    throw new TypeError('send(): a binary payload cannot be durable (the outbox stores JSON)')
  try {
    JSON.stringify(payload)
  } catch (error) {
    throw new TypeError(
      `send(): a durable payload must be JSON (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    )
  }
  return { id: options.id ?? randomId(), ttlMs }
}

export class Session implements SessionHandle {
  readonly id: string
  readonly #engine: SessionEngine
  readonly #queue: SessionQueue
  /** subId → topic */
  readonly #subs = new Map<string, string>()
  #detached = false

  constructor(id: string, engine: SessionEngine, queue: SessionQueue) {
    this.id = id
    this.#engine = engine
    this.#queue = queue
  }

  get subscriptions(): ReadonlyMap<string, string> {
    return this.#subs
  }

  get queue(): SessionQueue {
    return this.#queue
  }

  emit(event: EngineEvent): void {
    this.#queue.push(event)
  }

  /** The tab processed `count` events (flow control; see SessionQueue). */
  ack(count: number): void {
    this.#queue.ack(count)
  }

  subscribe(subId: string, topic: string, spec: SubscriptionSpec): void {
    if (this.#detached) return
    if (this.#subs.has(subId)) throw new Error(`subscription "${subId}" already exists in session "${this.id}"`)
    const over = this.#engine.channelRefusal(topic)
    if (over) {
      this.emit({ type: 'status', sub: subId, status: 'CHANNEL_ERROR', error: over })
      return
    }
    const channel = this.#engine.channelFor(topic)
    const refusal = channel.subscribe(this, subId, spec)
    if (refusal) {
      this.emit({ type: 'status', sub: subId, status: 'CHANNEL_ERROR', error: refusal })
      return
    }
    this.#subs.set(subId, topic)
    this.#engine.ensureConnected()
  }

  /** Leaves `subId`; one the engine does not hold (refused at subscribe, or gone) hears CLOSED at once. */
  unsubscribe(subId: string): void {
    const topic = this.#subs.get(subId)
    if (topic === undefined) {
      if (!this.#detached) this.emit({ type: 'status', sub: subId, status: 'CLOSED' })
      return
    }
    this.#subs.delete(subId)
    this.#engine.existingChannel(topic)?.unsubscribe(this, subId)
  }

  /** A broadcast on one of this session's subscriptions; `{ durable: true }` stores it until the server acknowledges it. */
  send(
    subId: string,
    payload: Record<string, unknown>,
    timeoutMs = this.#engine.timeoutMs,
    options: SendOptions = {},
  ): Promise<PushResult> {
    const channel = this.#channelOf(subId)
    if (!channel)
      return Promise.reject(new Error(`no subscription "${subId}" in this session: subscribe before sending`))
    let durable: { id: string; ttlMs: number } | undefined
    try {
      durable = durableOf(payload, options, () => this.#engine.randomId())
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new TypeError(String(error)))
    }
    return channel.broadcast(this, subId, payload, timeoutMs, durable)
  }

  /**
   * @throws {TypeError} when the payload is not a plain object that JSON can carry
   * @throws {PayloadTooLargeError} when it is over EngineOptions.maxPayloadBytes once encoded
   */
  track(subId: string, payload: Record<string, unknown>): void {
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
      throw new TypeError(
        `track(): the presence payload must be an object, got ${Array.isArray(payload) ? 'an array' : String(payload)}`,
      )
    }
    try {
      JSON.stringify(payload)
    } catch (error) {
      throw new TypeError(
        `track(): the presence payload cannot be sent as JSON (${error instanceof Error ? error.message : String(error)})`,
        { cause: error },
      )
    }
    this.#channelOf(subId)?.track(this.id, payload)
  }

  untrack(subId: string): void {
    this.#channelOf(subId)?.untrack(this.id)
  }

  /**
   * The token for every channel of the engine (the latest auth action of any tab wins).
   * @throws {TokenRefusedError} (rejects) when the server refuses the token (token-check.ts): the token in use stays
   */
  setAuth(token: string | null): Promise<void> {
    return this.#engine.setAuth(this.id, token)
  }

  setTokenProvider(provider: TokenProvider | null): void {
    if (provider) this.#engine.addProvider(this.id, provider)
    else this.#engine.removeProvider(this.id)
  }

  connect(): void {
    this.#engine.wantConnection(this.id, true)
  }

  /**
   * The tab is about to subscribe: the socket opens now. Unlike connect() nothing keeps it: with no channel it
   * closes after disconnectOnEmptyChannelsAfterMs, as after the last channel left.
   */
  warm(): void {
    if (!this.#detached) this.#engine.ensureConnected()
  }

  /**
   * realtime-js's disconnect(): this tab no longer wants the socket. When no other tab has subscriptions or wants
   * it, the socket closes now (this tab's own channels get CHANNEL_ERROR and rejoin after its next connect()) and
   * the promise resolves once it has closed; otherwise it stays open for them and the promise resolves at once.
   */
  disconnect(): Promise<void> {
    if (this.#detached) return Promise.resolve()
    return this.#engine.disconnect(this.id)
  }

  /** The tab is gone: everything it held is released. */
  detach(): void {
    if (this.#detached) return
    for (const subId of Array.from(this.#subs.keys())) this.unsubscribe(subId)
    this.#detached = true
    this.#engine.removeProvider(this.id)
    this.#engine.wantConnection(this.id, false)
    this.#queue.close()
    this.#engine.detached(this)
  }

  #channelOf(subId: string): ServerChannel | undefined {
    const topic = this.#subs.get(subId)
    return topic === undefined ? undefined : this.#engine.existingChannel(topic)
  }
}
