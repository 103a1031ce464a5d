// One topic on the one socket, shared by every tab subscribed to it (README "Many tabs, one
// socket"): the parts of a server channel, put together. Each part holds one concern:
//   channel-driver.ts    the ChannelMachine under the Driver: join, leave, statuses, retries
//   subscriptions.ts     the tab subscriptions, their join union, the echo rule
//   outbox.ts            the pushes, queued until joined; durable-channel.ts feeds it stored ones
//   channel-presence.ts  this browser's presence, and the others' (replayed to a late tab)
//   postgres-routing.ts  postgres changes to the subscriptions whose bindings match
//   channel-router.ts    what the server sends, routed by event to the parts above
// The machine's effects wire them together: `joined` flushes the outbox, replays the durable
// outbox and tracks presence again; `left` forgets the presence the server held.

import { subTopic, type Message } from '@shared-realtime/protocol'
import { ChannelDriver, type ChannelSocket } from './channel-driver.ts'
import { ChannelPresence } from './channel-presence.ts'
import { ChannelRouter } from './channel-router.ts'
import type { ErrorData } from './events.ts'
import type { SendWaiter, SocketGuard } from './guards.ts'
import type { Logger } from './logger.ts'
import type { ChannelState } from './machines/channel.ts'
import { joinTimeoutOf, type SubscriptionSpec } from './join-union.ts'
import { Outbox, type PushResult } from './outbox.ts'
import { DurableChannel } from './durable-channel.ts'
import type { DurableStore } from './durable.ts'
import { tokenIdentity } from './jwt.ts'
import { PostgresRouting } from './postgres-routing.ts'
import { type SessionHandle, subscriptionKey, SubscriptionSet } from './subscriptions.ts'

/** What a server channel needs from the engine (the channel registry provides it). */
export interface ChannelHost extends ChannelSocket {
  readonly logger: Logger
  readonly outboxLimit: number
  /** The durable outbox, when the engine has storage. */
  readonly durable: DurableStore | undefined
  /** The socket's guards: payload size, send budget (guards.ts). */
  readonly guard: SocketGuard
  token(): string | null
  /** The token once no token request is in flight. */
  settledToken(): Promise<string | null>
  /** Asks the token providers again; the host signals `ready` to channels once settled. */
  refreshToken(): void
  /** The channel's state or subscriptions changed (the registry drops a closed, empty channel). */
  changed(channel: ServerChannel): void
  /** The server accepted a join that carried `token` (null: none, the API key alone). */
  accepted(token: string | null): void
}

/** What a durable broadcast needs besides its payload (Session.send validated it). */
export interface DurableSend {
  id: string
  ttlMs: number
}

export class ServerChannel implements SendWaiter {
  readonly topic: string
  readonly #outbox: Outbox
  readonly #host: ChannelHost
  readonly #subs: SubscriptionSet
  readonly #machine: ChannelDriver
  readonly #presence: ChannelPresence
  readonly #router: ChannelRouter
  readonly #durable: DurableChannel | undefined
  /** The token the join in flight (or the accepted one) carried. */
  #joinToken: string | null = null
  /** The server's replication-ready notice (`broadcast.replication_ready`) for the join it answered. */
  #replicationReady: { joinRef: string; payload: Record<string, unknown> } | undefined

  constructor(topic: string, host: ChannelHost) {
    const { clock, logger } = host
    this.topic = topic
    this.#host = host
    const outbox = (this.#outbox = new Outbox({ topic, clock, limit: host.outboxLimit }))
    const subscriptions = (this.#subs = new SubscriptionSet(topic))
    const channel = (this.#machine = new ChannelDriver(topic, host, {
      joinPayload: () => subscriptions.joinPayload((this.#joinToken = host.token())),
      joinTimeoutMs: () => joinTimeoutOf(subscriptions.union, host.timeoutMs),
      status: (status, error) =>
        subscriptions.toAll((sub) => ({ type: 'status', sub, status, ...(error && { error }) })),
      joined: () => this.#joined(),
      left: () => this.#presence.left(),
      resubscribed: () => subscriptions.toAll((sub) => ({ type: 'system', sub, payload: resubscribed(topic) })),
      refreshToken: () => host.refreshToken(),
      changed: () => host.changed(this),
    }))
    const presence = (this.#presence = new ChannelPresence({ topic, clock, logger, channel, subscriptions }))
    const postgres = new PostgresRouting()
    this.#router = new ChannelRouter({ topic, logger, channel, outbox, presence, postgres, subscriptions })
    this.#durable =
      host.durable &&
      new DurableChannel(host.durable, {
        topic,
        clock,
        logger,
        timeoutMs: host.timeoutMs,
        joined: () => channel.state.name === 'joined',
        room: () => outbox.room,
        push: (payload, hooks) => {
          const timeoutMs = host.timeoutMs
          const acked = outbox.enqueue({ event: 'broadcast', payload, timeoutMs, awaitReply: true, ...hooks })
          this.flushOutbox()
          return acked
        },
        delivered: (payload, sender) => subscriptions.echo(payload, subscriptions.get(sender)),
        failed: (id, reason) =>
          subscriptions.toAll((sub) => ({ type: 'system', sub, payload: durableFailed(topic, id, reason) })),
        identity: () => tokenIdentity(host.token()),
        settledIdentity: () => host.settledToken().then(tokenIdentity),
      })
  }

  get state(): ChannelState {
    return this.#machine.state
  }

  get subscriptionCount(): number {
    return this.#subs.size
  }

  /** A tab's subscription. Returns the refusal instead when it conflicts with the channel's. */
  subscribe(session: SessionHandle, subId: string, spec: SubscriptionSpec): ErrorData | undefined {
    const conflict = this.#subs.conflict(spec)
    if (conflict) return conflict
    this.#subs.add(session, subId, spec, this.#host.token())
    const s = this.#machine.state
    if (s.name === 'joined') {
      // joined already: SUBSCRIBED from the engine's state, no frame sent, presence replayed
      session.emit({ type: 'status', sub: subId, status: 'SUBSCRIBED' })
      if (this.#subs.union.payload.config.presence.enabled) {
        session.emit({ type: 'presence-state', sub: subId, state: this.#presence.state })
      }
      if (this.#subs.needsRejoin) this.#machine.dispatch({ type: 'rejoin' })
      else this.#replayReplicationReady(session, subId, spec)
    } else if (s.name === 'closed' || s.name === 'failed' || s.name === 'leaving') {
      this.#machine.dispatch({ type: 'subscribe' })
    }
    this.#host.changed(this)
    return undefined
  }

  unsubscribe(session: SessionHandle, subId: string): void {
    if (!this.#subs.remove(session, subId, this.#host.token())) return
    session.emit({ type: 'status', sub: subId, status: 'CLOSED' })
    if (!this.#subs.hasSession(session.id)) this.#presence.untrack(session.id)
    if (this.#subs.size === 0) {
      this.#machine.dispatch({ type: 'unsubscribe' })
      this.#outbox.clear('error')
    }
    this.#host.changed(this)
  }

  /**
   * A broadcast from a tab: sent once; echoed to the other subscriptions once the server
   * acknowledged it. A durable one is stored first and goes out through the durable outbox.
   */
  broadcast(
    session: SessionHandle,
    subId: string,
    payload: Record<string, unknown>,
    timeoutMs: number,
    durable?: DurableSend,
  ): Promise<PushResult> {
    try {
      // refused before it is stored or queued: the server would close the socket (1009) or drop it
      this.#host.guard.checkSize(
        { join_ref: '0', ref: '0', topic: this.topic, event: 'broadcast', payload },
        'a broadcast',
      )
    } catch (error) {
      return Promise.reject(error)
    }
    const key = subscriptionKey(session.id, subId)
    const sender = this.#subs.get(key)
    const awaitAck = sender?.spec.config.broadcast?.ack === true
    if (durable) {
      if (!this.#durable) return Promise.reject(new Error('durable sends need storage (EngineOptions.storage)'))
      return this.#durable.send(key, durable.id, payload, { timeoutMs, ttlMs: durable.ttlMs, awaitAck })
    }
    const full = this.#outbox.isFull
    const acked = this.#outbox.enqueue({ event: 'broadcast', payload, timeoutMs, awaitReply: true })
    void acked.then(
      (result) => result === 'ok' && this.#subs.echo(payload, sender),
      () => {},
    )
    this.flushOutbox()
    // without ack the caller gets 'ok' at once, as from realtime-js; a full outbox still rejects
    return awaitAck || full ? acked : Promise.resolve('ok')
  }

  /** @throws {PayloadTooLargeError} when the presence call would be over the payload limit */
  track(sessionId: string, payload: Record<string, unknown>): void {
    const call = { type: 'presence', event: 'track', payload }
    this.#host.guard.checkSize(
      { join_ref: '0', ref: '0', topic: this.topic, event: 'presence', payload: call },
      'a presence track',
    )
    this.#presence.track(sessionId, payload)
  }

  untrack(sessionId: string): void {
    this.#presence.untrack(sessionId)
  }

  /** Whether the channel waits for `ready` to send its join (joining without a join sent, or errored with no retry timer). */
  get waitsToJoin(): boolean {
    const s = this.#machine.state
    return (s.name === 'joining' && s.joinRef === null) || (s.name === 'errored' && s.retryAt === null)
  }

  /** The socket is open and the token settled: a join that waits goes out. */
  ready(): void {
    this.#machine.dispatch({ type: 'ready' })
  }

  /** The socket closed (`code`: its close code, when known). */
  socketDown(code?: number): void {
    this.#machine.dispatch({ type: 'socket-down' })
    this.#outbox.socketDown(code)
  }

  /** Pushes a new access token to the server channel, if joined; the stored items of its identity may go out. */
  pushToken(token: string): void {
    this.#machine.push('access_token', { access_token: token })
    this.#durable?.replay()
  }

  /** The token's identity may have changed: stored items of the new one may go out. */
  replayDurable(): void {
    this.#durable?.replay()
  }

  /** A frame from the server for this topic. */
  receive(message: Message): void {
    const { event, join_ref: joinRef, payload } = message
    if (event === 'system' && joinRef !== null && joinRef === this.#machine.joinRef && isReplicationReady(payload)) {
      this.#replicationReady = { joinRef, payload }
    }
    this.#router.receive(message)
  }

  /**
   * A subscription that asks for `broadcast.replication_ready` on a channel already joined with it: the server said
   * so once, for the join every subscription shares; this one hears it too, as its own join would have told it
   * (realtime-js 2.109: a `system` event once the replication connection is ready).
   */
  #replayReplicationReady(session: SessionHandle, subId: string, spec: SubscriptionSpec): void {
    const notice = this.#replicationReady
    if (spec.config.broadcast?.replication_ready !== true || notice?.joinRef !== this.#machine.joinRef) return
    session.emit({ type: 'system', sub: subId, payload: notice.payload })
  }

  /** Every subscription ends (the engine is shutting down or the socket closed for good). */
  dispose(): void {
    this.#machine.stopTimers()
    this.#presence.dispose()
    this.#durable?.dispose()
    this.#outbox.clear('error')
    this.#host.guard.forget(this)
  }

  #joined(): void {
    this.#host.accepted(this.#joinToken)
    this.flushOutbox()
    this.#durable?.replay()
    this.#presence.joined()
  }

  /** Sends the queued pushes while joined, as far as the socket's send budget goes (guards.ts). */
  flushOutbox(): void {
    if (this.#machine.state.name !== 'joined') return
    const guard = this.#host.guard
    this.#outbox.flush((event, payload) => {
      if (!guard.maySend(this)) return null
      const ref = this.#machine.push(event, payload)
      if (ref !== null) guard.sent(this)
      return ref
    })
  }

  /** Plain data for inspect(). */
  snapshot() {
    return {
      topic: this.topic,
      state: this.#machine.state.name,
      joinRef: this.#machine.joinRef,
      private: this.#subs.isPrivate,
      subscriptions: this.#subs.size,
      sessions: this.#subs.sessions,
      outbox: { queued: this.#outbox.size, waiting: this.#outbox.waiting, durableWaiting: this.#durable?.waiting ?? 0 },
      presence: this.#presence.snapshot(),
      postgresBindings: this.#subs.union.postgres.length,
    }
  }
}

const resubscribed = (topic: string) => ({
  extension: 'system',
  status: 'ok',
  message: 'resubscribed',
  channel: subTopic(topic),
})

/** The `system` event of a durable send that failed for good (README "Durable sends"). */
const durableFailed = (topic: string, id: string, reason: string) => ({
  extension: 'system',
  status: 'error',
  message: `durable send failed: ${reason}`,
  channel: subTopic(topic),
  durable: { id, reason },
})

/** Realtime's notice for a join with `broadcast.replication_ready` (realtime_channel.ex `:notify_replication_ready`). */
function isReplicationReady(payload: unknown): payload is Record<string, unknown> {
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (payload as { extension?: unknown }).extension === 'system' &&
    (payload as { status?: unknown }).status === 'ok' &&
    (payload as { message?: unknown }).message === 'Replication connection established'
  )
}
