// Runs in the tab.
// RealtimeChannel: realtime-js's channel API (REALTIME-JS.md §1.3), over the shared engine.
// A channel is a subscription of this tab to a topic; the engine joins the topic once for
// every tab of the browser. Differences from realtime-js, on purpose:
// - send() on a channel that is subscribing (not yet joined) queues the push in the engine
//   instead of falling back to REST; only a channel never subscribed uses REST.
// - send(message, { durable: true, ttlMs }) stores a broadcast until the server acknowledges
//   it: it survives a reload and the closing of every tab (packages/engine README, "Durable
//   sends"). It needs a subscribed (or subscribing) channel: REST cannot keep it.
// - a join refused for good (e.g. Unauthorized on a private channel) ends in CHANNEL_ERROR
//   once and state 'failed'; realtime-js retries forever.
// - onStatusChange(cb) and the `statusChanges` async iterable.

import { type EngineEvent, type PushResult, realClock } from '@shared-realtime/engine'
import type { RealtimeBroadcastPersist, RealtimePostgresChangesFilter } from './compat.ts'
import type {
  BroadcastPayload,
  ChannelConfig,
  PostgresChangesEvent,
  RealtimePostgresChangesPayload,
  RealtimePostgresDeletePayload,
  RealtimePostgresInsertPayload,
  RealtimePostgresUpdatePayload,
  RealtimePresenceJoinPayload,
  RealtimePresenceLeavePayload,
  RealtimePresenceState,
} from '@shared-realtime/protocol'
import { randomUuid } from '@shared-realtime/protocol'
import { addBinding, type Bindings, deliver, safeCall } from './channel-bindings.ts'
import type { REALTIME_SUBSCRIBE_STATES, RealtimeChannelState } from './constants.ts'
import { RealtimeError } from './errors.ts'
import type { HostLink } from './host/tab/link.ts'
import { loadPresence, RealtimePresence } from './RealtimePresence.ts'
import type { RestContext } from './rest.ts'
import { StatusStream } from './status-stream.ts'

export interface RealtimeChannelOptions {
  config?: ChannelConfig
  [key: string]: unknown
}

export type SubscribeCallback = (status: REALTIME_SUBSCRIBE_STATES, error?: Error) => void

/** What a channel needs from its client. */
export interface ChannelOwner {
  link(): Promise<HostLink>
  rest(timeoutMs?: number): RestContext
  timeout: number
  removed(channel: RealtimeChannel): void
  /** subscribe() wants the socket: a client closed by its disconnect() reads the engine's connection again. */
  subscribing(): void
  /** The client's serializer version. */
  vsn: '1.0.0' | '2.0.0'
  /** An error the API reports without throwing: to the client's logger, else console.error (as realtime-js). */
  logError(message: string): void
  /** A line for the client's logger only (realtime-js's socket.log): nothing without one. */
  log(kind: string, message: string, data?: unknown): void
}

let nextSub = 1

/** realtime-js's constraint on a row or presence payload type: `{ [key: string]: any }`. */
// oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own constraint (rows of any shape)
type AnyRecord = { [key: string]: any }

export class RealtimeChannel {
  readonly topic: string
  readonly subTopic: string
  params: RealtimeChannelOptions
  bindings: Bindings = {}
  state: RealtimeChannelState = 'closed'
  joinedOnce = false
  readonly presence = new RealtimePresence()
  readonly subId = `c${nextSub++}`
  readonly #owner: ChannelOwner
  #callback: SubscribeCallback | undefined
  /** The last status this channel heard: a new status listener starts with it. */
  #lastStatus: { status: REALTIME_SUBSCRIBE_STATES; error?: RealtimeError } | undefined
  readonly #status = new StatusStream<{ status: REALTIME_SUBSCRIBE_STATES; error?: RealtimeError }>(
    () => this.#lastStatus,
  )
  #closing: Array<() => void> = []

  constructor(topic: string, params: RealtimeChannelOptions, owner: ChannelOwner) {
    this.topic = topic
    this.subTopic = topic.replace(/^realtime:/, '')
    this.params = {
      ...params,
      config: {
        broadcast: { ack: false, self: false },
        presence: { key: '', enabled: false },
        private: false,
        ...params.config,
      },
    }
    this.#owner = owner
    if (this.params.config?.broadcast?.replay && this.params.config.private !== true) {
      throw new Error(`channel "${topic}": broadcast replay works only on private channels (config.private: true)`)
    }
  }

  get private(): boolean {
    return this.params.config?.private === true
  }

  get timeout(): number {
    return this.#owner.timeout
  }

  /**
   * This channel's status (SUBSCRIBED, CHANNEL_ERROR, …): the last one during this call if it has had one, then each
   * new one; returns an unsubscribe function.
   */
  onStatusChange(callback: (status: REALTIME_SUBSCRIBE_STATES, error?: RealtimeError) => void): () => void {
    return this.#status.listen(({ status, error }) => callback(status, error))
  }

  /** The same, as an async iterable (the last status first): `for await (const { status } of channel.statusChanges)`. */
  get statusChanges(): AsyncIterable<{ status: REALTIME_SUBSCRIBE_STATES; error?: RealtimeError }> {
    return this.#status
  }

  /**
   * Joins the topic (once per channel instance, as in realtime-js). `timeout` is accepted for
   * compatibility but the join timeout is the client's `timeout`: the topic's one server channel
   * is shared by every tab, so a per-subscription join timeout has nothing to apply to.
   */
  subscribe(callback?: SubscribeCallback, timeout = this.#owner.timeout): this {
    if (this.state !== 'closed' && this.state !== 'failed') return this
    if (this.joinedOnce && this.state === 'closed') {
      throw new Error(
        `tried to subscribe multiple times. 'subscribe' can only be called a single time per channel instance (${this.topic})`,
      )
    }
    void timeout
    this.#callback = callback
    this.state = 'joining'
    this.#owner.subscribing()
    const postgres = (this.bindings.postgres_changes ?? []).map((b) => b.postgres!).filter(Boolean)
    const spec = { config: this.params.config ?? {}, postgres, presence: (this.bindings.presence ?? []).length > 0 }
    // the presence code loads while the join goes out, so presence events find it there (RealtimePresence.ts)
    if (spec.presence || this.params.config?.presence?.enabled) void loadPresence().catch(() => undefined)
    void this.#owner
      .link()
      .then((link) => link.subscribe(this.subId, this.topic, spec))
      .catch((error: unknown) => {
        this.#statusEvent({
          type: 'status',
          sub: this.subId,
          status: 'CHANNEL_ERROR',
          error: {
            kind: 'host-error',
            message: String(error instanceof Error ? error.message : error),
            retryable: true,
          },
        })
      })
    return this
  }

  // realtime-js's overloads (2.119), so a callback's payload is typed from the listen type and the filter as there
  // (an app typechecks the same with this client swapped in, supabase-js's `channel.on` included); then the loose form
  on(type: 'presence', filter: { event: 'sync' }, callback: () => void): this
  on<T extends AnyRecord>(
    type: 'presence',
    filter: { event: 'join' },
    callback: (payload: RealtimePresenceJoinPayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'presence',
    filter: { event: 'leave' },
    callback: (payload: RealtimePresenceLeavePayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'presence',
    filter: { event: '*' },
    callback: (payload?: RealtimePresenceJoinPayload<T> | RealtimePresenceLeavePayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'postgres_changes',
    filter: RealtimePostgresChangesFilter<'*'>,
    callback: (payload: RealtimePostgresChangesPayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'postgres_changes',
    filter: RealtimePostgresChangesFilter<'INSERT'>,
    callback: (payload: RealtimePostgresInsertPayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'postgres_changes',
    filter: RealtimePostgresChangesFilter<'UPDATE'>,
    callback: (payload: RealtimePostgresUpdatePayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'postgres_changes',
    filter: RealtimePostgresChangesFilter<'DELETE'>,
    callback: (payload: RealtimePostgresDeletePayload<T>) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'postgres_changes',
    filter: RealtimePostgresChangesFilter<PostgresChangesEvent>,
    callback: (payload: RealtimePostgresChangesPayload<T>) => void,
  ): this
  on(
    type: 'broadcast',
    filter: { event: string },
    callback: (payload: {
      type: 'broadcast'
      event: string
      meta?: { replayed?: boolean; id: string }
      // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
      [key: string]: any
    }) => void,
  ): this
  on<T extends AnyRecord>(
    type: 'broadcast',
    filter: { event: string },
    callback: (payload: {
      type: 'broadcast'
      event: string
      meta?: { replayed?: boolean; id: string }
      payload: T
    }) => void,
  ): this
  // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
  on(type: 'system', filter: {}, callback: (payload: any) => void): this
  on(type: string, filter: Record<string, unknown>, callback: (payload: never) => void): this
  on(type: string, filter: Record<string, unknown>, callback: (payload: never) => void): this {
    const kind = type.toLowerCase()
    if ((kind === 'presence' || kind === 'postgres_changes') && (this.state === 'joining' || this.state === 'joined')) {
      throw new Error(`cannot add \`${kind}\` callbacks for ${this.topic} after \`subscribe()\`.`)
    }
    if (!addBinding(this.bindings, kind, filter, callback))
      this.#owner.log('error', `duplicate \`postgres_changes\` binding for ${this.topic} ignored`, filter)
    return this
  }

  /**
   * `opts.durable`: a broadcast stored (IndexedDB) until the server acknowledges it, sent after the
   * next join even from another tab or after a reload; `opts.ttlMs` (default 24 h) bounds its wait.
   * It resolves as any send: with `ack`, 'ok' once acknowledged ('timed out': still stored, still
   * sent later; 'error': refused by the server, dropped); without `ack`, 'ok' once stored.
   */
  async send(
    args: { type: string; event?: string; payload?: unknown; [key: string]: unknown },
    opts: { timeout?: number; durable?: boolean; ttlMs?: number } = {},
  ): Promise<PushResult | string> {
    const timeout = opts.timeout ?? this.#owner.timeout
    if (args.type === 'presence') {
      if (args.event === 'untrack') return this.untrack()
      return this.track((args.payload ?? {}) as Record<string, unknown>)
    }
    if (args.type !== 'broadcast' || typeof args.event !== 'string') {
      throw new TypeError(
        `send(): only { type: 'broadcast', event: <string>, payload } and presence are supported, got type ${JSON.stringify(args.type)}`,
      )
    }
    // broadcast persistence (realtime-js 2.119): private channels over vsn 2.0.0 only, and never over the REST fallback
    if (args.persist && (!this.private || this.#owner.vsn === '1.0.0')) {
      this.#owner.logError(
        this.private
          ? 'Realtime send() cannot store a message with protocol 1.0.0. Use httpSend() or connect with vsn 2.0.0.'
          : 'Realtime send() cannot store a message on a public channel.',
      )
      return 'error'
    }
    if (opts.durable === true && this.state === 'closed' && !this.joinedOnce) {
      throw new TypeError(
        `send(): a durable send needs a subscribed channel (call subscribe() on "${this.subTopic}" first; REST cannot keep it)`,
      )
    }
    if (this.state === 'closed' && !this.joinedOnce) {
      if (args.persist) {
        this.#owner.logError(
          'Realtime send() fell back to REST and cannot store this message. The batch endpoint does not support ' +
            'persistence. Use httpSend() or send after the channel is connected and subscribed.',
        )
        return 'error'
      }
      const ctx = this.#owner.rest(timeout)
      const event = args.event
      // the REST code is a chunk of its own, loaded on first use (few apps send unsubscribed);
      // a chunk that cannot load is a failed send, as a failed fetch is
      return import('./rest.ts').then(
        (rest) => rest.restBroadcast(ctx, this.subTopic, event, args.payload, this.private),
        () => 'error' as const,
      )
    }
    const { type: _type, ...rest } = args
    const link = await this.#owner.link()
    if (opts.durable !== true) return link.send(this.subId, { type: 'broadcast', ...rest }, timeout)
    // the id makes a send that a host runs twice (a worker lost mid-command) one stored item
    const durable = { durable: true, id: randomUuid(), ...(opts.ttlMs === undefined ? {} : { ttlMs: opts.ttlMs }) }
    return link.send(this.subId, { type: 'broadcast', ...rest }, timeout, durable)
  }

  httpSend(
    event: string,
    payload: unknown,
    opts: { timeout?: number; persist?: RealtimeBroadcastPersist } = {},
  ): Promise<{ success: true }> {
    const ctx = this.#owner.rest(opts.timeout)
    return import('./rest.ts').then((rest) =>
      rest.httpSend(ctx, this.subTopic, event, payload, this.private, opts.persist),
    )
  }

  async track(payload: Record<string, unknown>, _opts: Record<string, unknown> = {}): Promise<PushResult> {
    void loadPresence().catch(() => undefined)
    const link = await this.#owner.link()
    await link.track(this.subId, payload)
    return 'ok'
  }

  async untrack(_opts: Record<string, unknown> = {}): Promise<PushResult> {
    const link = await this.#owner.link()
    await link.untrack(this.subId)
    return 'ok'
  }

  presenceState<T extends object = {}>(): RealtimePresenceState<T> {
    return this.presence.state as RealtimePresenceState<T>
  }

  async unsubscribe(timeout = this.#owner.timeout): Promise<'ok' | 'timed out' | 'error'> {
    if (this.state === 'closed') return 'ok'
    this.state = 'leaving'
    const closed = new Promise<'ok' | 'timed out'>((resolve) => {
      // the real clock: a `timeout` over 2^31−1 ms would fire at once on the platform's setTimeout
      const timer = realClock.setTimeout(() => resolve('timed out'), timeout)
      this.#closing.push(() => {
        realClock.clearTimeout(timer)
        resolve('ok')
      })
    })
    try {
      const link = await this.#owner.link()
      await link.unsubscribe(this.subId)
    } catch {
      return 'error'
    }
    return closed
  }

  updateJoinPayload(payload: Record<string, unknown>): void {
    this.params = { ...this.params, ...payload }
  }

  /** Drops every binding and marks the channel closed, without telling the server. */
  teardown(): void {
    this.bindings = {}
    this.state = 'closed'
  }

  // ── events from the engine ─────────────────────────────────────────────────────

  /** @internal Events from the engine for this channel (called by RealtimeClient). */
  receive(event: EngineEvent): void {
    if (event.type === 'status') this.#statusEvent(event)
    else deliver(this.bindings, this.presence, event)
  }

  #statusEvent(event: Extract<EngineEvent, { type: 'status' }>): void {
    const error = event.error ? RealtimeError.from(event.error) : undefined
    switch (event.status) {
      case 'SUBSCRIBED':
        this.state = 'joined'
        this.joinedOnce = true
        break
      case 'CHANNEL_ERROR':
        this.state = error && !error.retryable ? 'failed' : 'errored'
        break
      case 'TIMED_OUT':
        this.state = 'errored'
        break
      case 'CLOSED':
        this.state = 'closed'
        for (const done of this.#closing.splice(0)) done()
        this.#owner.removed(this)
        break
    }
    if (this.#callback) safeCall(this.#callback as (s: never, e?: never) => void, event.status as never, error as never)
    this.#lastStatus = error ? { status: event.status, error } : { status: event.status }
    this.#status.push(this.#lastStatus)
  }
}

export type { BroadcastPayload }
