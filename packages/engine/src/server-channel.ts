// One topic on the one socket, shared by every tab subscribed to it: drives the
// ChannelMachine, the Outbox and the PresenceTracker with their effects, keeps the
// presence state to replay to a tab that arrives late, and routes what the server sends
// to the subscriptions it is for (DESIGN.md "Many tabs, one socket"). Durable broadcasts
// go through its DurableChannel (durable-channel.ts), which stores them and feeds them to
// the same Outbox after each join.

import {
  applyPresenceEvent, bindingReceives, classifySystemMessage, initialPresenceSync, type Message,
  type PresenceSync, type ShutdownKind, subTopic, toPostgresChangesPayload,
} from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'
import { Timers } from './timers.ts'
import { channelErrorData, type EngineEvent } from './events.ts'
import { joinUnion, type JoinUnion, type SubscriptionSpec } from './join-union.ts'
import type { Logger } from './logger.ts'
import { type ChannelEvent, type ChannelState, initialChannelState, type ChannelTimer, transitionChannel } from './machines/channel.ts'
import {
  initialPresenceTrackerState, PRESENCE_MIN_INTERVAL_MS, type PresenceTrackerEvent, type PresenceTrackerState, transitionPresence,
} from './machines/presence-tracker.ts'
import { Outbox, type PushResult } from './outbox.ts'
import { DurableChannel } from './durable-channel.ts'
import type { DurableStore } from './durable.ts'

export interface ChannelHost {
  clock: Clock
  logger: Logger
  timeoutMs: number
  outboxLimit: number
  nextRef(): string
  /** Socket open and no token request in flight. */
  ready(): boolean
  token(): string | null
  /** Sends on the socket; false when it is not open. */
  send(message: Message): boolean
  /** Asks the token providers again; the host signals `ready` to channels once settled. */
  refreshToken(): void
  /** The channel's state or subscriptions changed (deferred disconnect, inspect). */
  changed(channel: ServerChannel): void
  /** The durable outbox, when the engine has storage. */
  durable?: DurableStore | undefined
}

/** What a durable broadcast needs besides its payload (Session.send validated it). */
export interface DurableSend {
  id: string
  ttlMs: number
}

export interface SessionHandle {
  readonly id: string
  emit(event: EngineEvent): void
}

interface Subscription {
  session: SessionHandle
  subId: string
  spec: SubscriptionSpec
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export class ServerChannel {
  readonly topic: string
  #state: ChannelState = initialChannelState
  readonly #host: ChannelHost
  readonly #subs = new Map<string, Subscription>()
  readonly #timers: Timers<ChannelTimer | 'presence'>
  readonly outbox: Outbox
  #presence: PresenceTrackerState = initialPresenceTrackerState
  readonly #trackers = new Map<string, Record<string, unknown>>()
  #presenceSync: PresenceSync = initialPresenceSync()
  #union: JoinUnion
  /** The union's key when the last join was sent. */
  #joinedKey = ''
  #serverIds: Array<number | undefined> = []
  #lastShutdown: { kind: ShutdownKind; message: string } | undefined
  readonly #durable: DurableChannel | undefined

  constructor(topic: string, host: ChannelHost) {
    this.topic = topic
    this.#host = host
    this.#timers = new Timers(host.clock)
    this.outbox = new Outbox({ topic, clock: host.clock, limit: host.outboxLimit })
    this.#union = joinUnion(topic, [], null)
    this.#durable = host.durable && new DurableChannel(host.durable, {
      topic,
      clock: host.clock,
      logger: host.logger,
      timeoutMs: host.timeoutMs,
      joined: () => this.#state.name === 'joined',
      room: () => this.outbox.room,
      push: (payload, onReply) => {
        const acked = this.outbox.enqueue({ event: 'broadcast', payload, timeoutMs: host.timeoutMs, awaitReply: true, onReply })
        this.#flushOutbox()
        return acked
      },
      delivered: (payload, sender) => this.#echo(payload, sender === undefined ? undefined : this.#subs.get(sender)),
    })
  }

  get state(): ChannelState {
    return this.#state
  }

  get subscriptionCount(): number {
    return this.#subs.size
  }

  get sessions(): string[] {
    return [...new Set([...this.#subs.values()].map((s) => s.session.id))]
  }

  get joinRef(): string | null {
    const s = this.#state
    return s.name === 'joined' || s.name === 'leaving' ? s.joinRef : s.name === 'joining' ? s.joinRef : null
  }

  get isPrivate(): boolean {
    return this.#union.payload.config.private
  }

  /** A tab's subscription. Returns an error text instead when it conflicts with the channel's. */
  subscribe(session: SessionHandle, subId: string, spec: SubscriptionSpec): string | undefined {
    const first = this.#subs.values().next().value
    if (first && (spec.config.private === true) !== this.isPrivate) {
      return `"${this.topic}" is already subscribed as a ${this.isPrivate ? 'private' : 'public'} channel by another subscription of this browser; one topic can be only one of the two on a connection`
    }
    this.#subs.set(`${session.id}/${subId}`, { session, subId, spec })
    this.#recompute()
    const s = this.#state
    if (s.name === 'joined') {
      session.emit({ type: 'status', sub: subId, status: 'SUBSCRIBED' })
      if (this.#union.payload.config.presence.enabled) session.emit({ type: 'presence-state', sub: subId, state: this.#presenceSync.state })
      if (this.#union.key !== this.#joinedKey) this.#dispatch({ type: 'rejoin' })
    } else if (s.name === 'closed' || s.name === 'failed' || s.name === 'leaving') {
      this.#dispatch({ type: 'subscribe' })
    }
    this.#host.changed(this)
    return undefined
  }

  unsubscribe(session: SessionHandle, subId: string): void {
    const key = `${session.id}/${subId}`
    if (!this.#subs.delete(key)) return
    session.emit({ type: 'status', sub: subId, status: 'CLOSED' })
    if (![...this.#subs.values()].some((s) => s.session.id === session.id)) this.untrack(session.id)
    this.#recompute()
    if (this.#subs.size === 0) {
      this.#dispatch({ type: 'unsubscribe' })
      this.outbox.clear('error')
    }
    this.#host.changed(this)
  }

  /**
   * A broadcast from a tab: sent once; echoed to the other subscriptions once the server
   * acknowledged it. A durable one is stored first and goes out through the durable outbox.
   */
  broadcast(session: SessionHandle, subId: string, payload: Record<string, unknown>, timeoutMs: number, durable?: DurableSend): Promise<PushResult> {
    const key = `${session.id}/${subId}`
    const sender = this.#subs.get(key)
    const awaitAck = sender?.spec.config.broadcast?.ack === true
    if (durable) {
      if (!this.#durable) return Promise.reject(new Error('durable sends need storage (EngineOptions.storage)'))
      return this.#durable.send(key, durable.id, payload, { timeoutMs, ttlMs: durable.ttlMs, awaitAck })
    }
    const full = this.outbox.isFull
    const acked = this.outbox.enqueue({ event: 'broadcast', payload, timeoutMs, awaitReply: true })
    void acked.then((result) => result === 'ok' && this.#echo(payload, sender), () => {})
    this.#flushOutbox()
    // without ack the caller gets 'ok' at once, as from realtime-js; a full outbox still rejects
    return awaitAck || full ? acked : Promise.resolve('ok')
  }

  /** An acknowledged broadcast, to every subscription but its sender's (unless `self`). */
  #echo(payload: Record<string, unknown>, sender: Subscription | undefined): void {
    for (const sub of this.#subs.values()) {
      if (sub === sender && sender.spec.config.broadcast?.self !== true) continue
      sub.session.emit({ type: 'broadcast', sub: sub.subId, payload: payload as never })
    }
  }

  track(sessionId: string, payload: Record<string, unknown>): void {
    this.#trackers.delete(sessionId)
    this.#trackers.set(sessionId, payload)
    this.#presenceStep({ type: 'track', payload })
  }

  untrack(sessionId: string): void {
    if (!this.#trackers.delete(sessionId)) return
    const last = [...this.#trackers.values()].at(-1)
    this.#presenceStep(last ? { type: 'track', payload: last } : { type: 'untrack' })
  }

  ready(): void {
    this.#dispatch({ type: 'ready' })
  }

  socketDown(): void {
    this.#dispatch({ type: 'socket-down' })
    this.outbox.socketDown()
    this.#presenceStep({ type: 'left' })
  }

  /** Pushes a new access token to the server channel, if joined. */
  pushToken(token: string): void {
    const joinRef = this.#state.name === 'joined' ? this.#state.joinRef : null
    if (joinRef) this.#host.send({ join_ref: joinRef, ref: this.#host.nextRef(), topic: this.topic, event: 'access_token', payload: { access_token: token } })
  }

  /** Every subscription ends (the engine is shutting down or the socket closed for good). */
  dispose(): void {
    this.#timers.cancelAll()
    this.#durable?.dispose()
    this.outbox.clear('error')
  }

  // ── from the server ────────────────────────────────────────────────────────────

  receive(message: Message): void {
    const { event, payload, ref } = message
    const current = this.joinRef
    if (event === 'phx_reply') return this.#reply(ref, payload)
    if (message.join_ref !== null && message.join_ref !== current) {
      this.#host.logger.debug(`dropped ${event} on ${this.topic} for stale join_ref ${message.join_ref}`)
      return
    }
    switch (event) {
      case 'phx_close': {
        if (current === null || message.join_ref !== current) return
        const shutdown = this.#lastShutdown ?? { kind: 'other' as const, message: 'the server closed the channel' }
        this.#lastShutdown = undefined
        return this.#dispatch({ type: 'server-close', joinRef: current, shutdown: shutdown.kind, message: shutdown.message })
      }
      case 'phx_error':
        if (current !== null && message.join_ref === current) this.#dispatch({ type: 'server-error', joinRef: current })
        return
      case 'presence_state':
      case 'presence_diff':
        return this.#presenceIn(event === 'presence_state' ? 'state' : 'diff', payload)
      case 'postgres_changes':
        return this.#postgresIn(payload)
      case 'system':
        if (isRecord(payload) && payload.status === 'error' && payload.extension === 'system' && typeof payload.message === 'string') {
          this.#lastShutdown = { kind: classifySystemMessage(payload.message), message: payload.message }
        }
        return this.#toAll((subId) => ({ type: 'system', sub: subId, payload: isRecord(payload) ? payload : {} }))
      case 'broadcast':
        if (!isRecord(payload)) return
        return this.#toAll((subId) => ({ type: 'broadcast', sub: subId, payload: payload as never }))
      default:
        return this.#toAll((subId) => ({ type: 'message', sub: subId, event, payload }))
    }
  }

  #reply(ref: string | null, payload: unknown): void {
    if (ref === null || !isRecord(payload)) return
    const s = this.#state
    const status = typeof payload.status === 'string' ? payload.status : 'error'
    if (s.name === 'joining' && ref === s.joinRef) {
      if (status === 'ok') {
        const list = isRecord(payload.response) && Array.isArray(payload.response.postgres_changes) ? payload.response.postgres_changes : []
        this.#serverIds = this.#union.postgres.map((_, i) => {
          const entry: unknown = list[i]
          return isRecord(entry) && typeof entry.id === 'number' ? entry.id : undefined
        })
        this.#presenceSync = { ...this.#presenceSync, pendingDiffs: [] }
        return this.#dispatch({ type: 'join-ok', ref })
      }
      const response = payload.response
      const reason = isRecord(response) ? Object.values(response).map(String).join(', ') : String(response)
      return this.#dispatch({ type: 'join-error', ref, reason })
    }
    if (s.name === 'leaving' && ref === s.ref) return this.#dispatch({ type: 'leave-ok', ref })
    this.outbox.reply(ref, status)
  }

  #presenceIn(kind: 'state' | 'diff', payload: unknown): void {
    const joinRef = this.joinRef
    if (joinRef === null) return
    const before = this.#presenceSync
    const step = applyPresenceEvent(before, { kind, joinRef, payload })
    if (!step.ok) {
      this.#host.logger.warn(`dropped a malformed presence_${kind} on ${this.topic}: ${step.error.detail}`)
      return
    }
    this.#presenceSync = step.sync
    if (step.events.length === 0) return // buffered until the state of this join
    if (kind === 'state' || before.joinRef !== joinRef) {
      this.#toAll((subId) => ({ type: 'presence-state', sub: subId, state: step.sync.state }))
    } else {
      this.#toAll((subId) => ({ type: 'presence-diff', sub: subId, diff: payload as never }))
    }
  }

  #postgresIn(payload: unknown): void {
    if (!isRecord(payload) || !Array.isArray(payload.ids)) return
    const routing = { ids: payload.ids as number[], data: isRecord(payload.data) ? (payload.data as { type?: string }) : null }
    const specs = [...this.#subs.values()]
    specs.forEach((sub, at) => {
      const unionIndexes = this.#union.indexes[at] ?? []
      const bindings: number[] = []
      unionIndexes.forEach((u, i) => {
        const binding = this.#union.postgres[u]
        if (binding && bindingReceives(binding, this.#serverIds[u], routing)) bindings.push(i)
      })
      // converted here (realtime-js's payload shape and cell types), not in every tab; one
      // object per subscription, as each realtime-js channel gets its own
      if (bindings.length > 0) sub.session.emit({ type: 'postgres_changes', sub: sub.subId, bindings, payload: toPostgresChangesPayload(payload.data as never) })
    })
  }

  // ── driving the machines ───────────────────────────────────────────────────────

  #recompute(): void {
    this.#union = joinUnion(this.topic, [...this.#subs.values()].map((s) => s.spec), this.#host.token())
  }

  #toAll(make: (subId: string) => EngineEvent): void {
    for (const sub of this.#subs.values()) sub.session.emit(make(sub.subId))
  }

  #dispatch(event: ChannelEvent): void {
    const [next, effects] = transitionChannel(this.#state, event, {
      now: this.#host.clock.now(),
      ref: this.#host.nextRef(),
      ready: this.#host.ready(),
      timeoutMs: this.#host.timeoutMs,
    })
    this.#state = next
    for (const effect of effects) {
      switch (effect.type) {
        case 'send-join':
          this.#recompute()
          this.#joinedKey = this.#union.key
          this.#host.send({ join_ref: effect.joinRef, ref: effect.joinRef, topic: this.topic, event: 'phx_join', payload: this.#union.payload })
          break
        case 'send-leave':
          this.#host.send({ join_ref: effect.joinRef, ref: effect.ref, topic: this.topic, event: 'phx_leave', payload: {} })
          break
        case 'start-timer':
          this.#timers.start(effect.timer, effect.ms, () => this.#dispatch({ type: effect.timer === 'join-timeout' ? 'join-timeout' : effect.timer === 'retry' ? 'retry-due' : 'leave-timeout' }))
          break
        case 'cancel-timer':
          this.#timers.cancel(effect.timer)
          break
        case 'emit': {
          // a channel that failed is not retried, whatever the reason's own disposition (a
          // refreshed token refused again): the tab's channel must read `failed`, not `errored`
          const error = effect.error ? { ...channelErrorData(effect.error), ...(next.name === 'failed' ? { retryable: false } : {}) } : undefined
          this.#toAll((subId) => (error ? { type: 'status', sub: subId, status: effect.status, error } : { type: 'status', sub: subId, status: effect.status }))
          break
        }
        case 'joined':
          this.#flushOutbox()
          this.#durable?.replay()
          this.#presenceStep({ type: 'joined' })
          break
        case 'resubscribed':
          this.#toAll((subId) => ({ type: 'system', sub: subId, payload: { extension: 'system', status: 'ok', message: 'resubscribed', channel: subTopic(this.topic) } }))
          break
        case 'refresh-token':
          this.#host.refreshToken()
          break
      }
    }
    if (next.name !== 'joined') this.#presenceStep({ type: 'left' })
    this.#host.changed(this)
  }

  #flushOutbox(): void {
    const s = this.#state
    if (s.name !== 'joined') return
    this.outbox.flush((event, payload) => {
      const ref = this.#host.nextRef()
      return this.#host.send({ join_ref: s.joinRef, ref, topic: this.topic, event, payload }) ? ref : null
    })
  }

  #presenceStep(event: PresenceTrackerEvent): void {
    if (event.type === 'left' && !this.#presence.joined) return
    const [next, effects] = transitionPresence(this.#presence, event, { now: this.#host.clock.now(), minIntervalMs: PRESENCE_MIN_INTERVAL_MS })
    this.#presence = next
    const s = this.#state
    for (const effect of effects) {
      if (effect.type === 'start-timer') this.#timers.start('presence', effect.ms, () => this.#presenceStep({ type: 'timer-due' }))
      else if (effect.type === 'cancel-timer') this.#timers.cancel('presence')
      else if (s.name === 'joined') {
        const payload = effect.type === 'send-track' ? { type: 'presence', event: 'track', payload: effect.payload } : { type: 'presence', event: 'untrack' }
        this.#host.send({ join_ref: s.joinRef, ref: this.#host.nextRef(), topic: this.topic, event: 'presence', payload })
      }
    }
  }

  /** Plain data for inspect(). */
  snapshot() {
    return {
      topic: this.topic,
      state: this.#state.name,
      joinRef: this.joinRef,
      private: this.isPrivate,
      subscriptions: this.#subs.size,
      sessions: this.sessions,
      outbox: { queued: this.outbox.size, waiting: this.outbox.waiting, durableWaiting: this.#durable?.waiting ?? 0 },
      presence: { tracking: this.#trackers.size, sent: this.#presence.sent.kind, keys: Object.keys(this.#presenceSync.state).length },
      postgresBindings: this.#union.postgres.length,
    }
  }
}
