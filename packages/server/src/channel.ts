// One joined channel of one socket (Realtime's channel process): broadcast, presence,
// access_token, the token re-check timer, replay, and shutdown (PROTOCOL.md §3.3–§3.6).
//
//   handleIn('broadcast')     relay to the topic (self only with self:true); ack reply if ack:true
//   handleIn('presence')      track / untrack; presence_diff to every member, the tracker too
//   handleIn('access_token')  re-verify; failure → system error + phx_close
//   handleIn(anything else)   counted, no reply
//
// Replies use the channel's join_ref whatever join_ref the push carried (§2.6).

import { isRecord, type Message } from '@shared-realtime/protocol'
import { recheckDelayMs, shutdownMessage } from './auth/index.ts'
import { accessTokenRecheck } from './policies/index.ts'
import type { Connection } from './connection.ts'
import type { Claims, Context, Permissions } from './context.ts'
import { Hub } from './hub.ts'
import type { JoinConfig } from './join-config.ts'
import type { StoredMessage } from './message-log.ts'
import type { PresenceDiff } from './presence.ts'

function payloadBytes(payload: unknown): number {
  if (payload instanceof ArrayBuffer) return payload.byteLength
  if (ArrayBuffer.isView(payload)) return payload.byteLength
  return Buffer.byteLength(JSON.stringify(payload) ?? '')
}

export interface SessionInit {
  topic: string
  joinRef: string
  config: JoinConfig
  presenceKey: string
  claims: Claims
  token: string
  permissions: Permissions
}

export class ChannelSession {
  readonly topic: string
  readonly subTopic: string
  readonly joinRef: string
  readonly hubKey: string
  readonly connection: Connection
  readonly config: JoinConfig
  readonly presenceKey: string
  permissions: Permissions
  #claims: Claims
  #token: string
  readonly #ctx: Context
  #presenceCalls: number[] = []
  #recheck: ReturnType<typeof setTimeout> | undefined
  #replayed = new Set<string>()
  #live = true
  /** Presence enabled at join, or by a track since (Realtime's `presence_enabled?` assign). */
  #presenceOn: boolean

  constructor(ctx: Context, connection: Connection, init: SessionInit) {
    this.#ctx = ctx
    this.connection = connection
    this.topic = init.topic
    this.subTopic = init.topic.slice('realtime:'.length)
    this.joinRef = init.joinRef
    this.config = init.config
    this.presenceKey = init.presenceKey
    this.permissions = init.permissions
    this.#claims = init.claims
    this.#token = init.token
    this.#presenceOn = init.config.presenceEnabled
    this.hubKey = Hub.key(init.config.isPrivate ? 'private' : 'public', init.topic)
    ctx.hub.add(this)
    this.#scheduleRecheck()
  }

  /** False once the channel has stopped (left, shut down, replaced, or its socket closed). */
  get live(): boolean {
    return this.#live
  }

  get claims(): Claims {
    return this.#claims
  }

  /** A push from this channel to its own socket: [J, null, topic, event, payload]. */
  push(event: string, payload: unknown, binary?: boolean): void {
    this.connection.send({ join_ref: this.joinRef, ref: null, topic: this.topic, event, payload }, binary)
  }

  pushSystem(extension: 'system' | 'postgres_changes', status: 'ok' | 'error', message: string): void {
    this.push('system', { channel: this.subTopic, extension, message, status })
  }

  pushPresenceState(): void {
    if (!this.#presenceRateOk()) return this.shutdown('Too many presence messages per second')
    this.push('presence_state', this.#ctx.presence.state(this.hubKey))
  }

  /**
   * Replays stored broadcasts (private channels), oldest first (§3.1): rows of realtime.messages
   * (`fromDatabase`, read before the join reply) and the broadcasts kept in memory, the newest `limit`.
   */
  replay({ since, limit }: { since: number; limit: number }, fromDatabase: readonly StoredMessage[] = []): void {
    const seen = new Set<string>()
    const merged = [...fromDatabase, ...this.#ctx.messages.since(this.hubKey, since, limit)]
      .filter((m) => !seen.has(m.id) && seen.add(m.id))
      .toSorted((a, b) => a.insertedAt - b.insertedAt)
      .slice(-limit)
    for (const stored of merged) {
      this.#replayed.add(stored.id)
      const payload = {
        type: 'broadcast',
        event: stored.event,
        payload: stored.payload,
        meta: { id: stored.id, replayed: true },
      }
      this.push('broadcast', payload, stored.binary)
    }
  }

  /**
   * Whether presence_diff reaches this channel: on a public channel always; on a private one with
   * presence.read, once presence is on (enabled at join or by a track). Realtime leaves presence.read
   * unevaluated for a private channel joined without presence and drops its diffs until a track.
   */
  get receivesPresence(): boolean {
    return !this.config.isPrivate || (this.#presenceOn && this.permissions.presence.read)
  }

  /** Whether a live broadcast with this stored id was already replayed to this channel. */
  alreadyReplayed(id: string | undefined): boolean {
    return id !== undefined && this.#replayed.has(id)
  }

  async handleIn(message: Message, binary: boolean): Promise<void> {
    switch (message.event) {
      case 'broadcast':
        return this.#broadcast(message, binary)
      case 'presence':
        return this.#presence(message)
      case 'access_token':
        return this.#accessToken(message.payload)
      default:
        this.#ctx.eventRate.add()
        this.#ctx.log.info(`channel ${this.topic}: unknown event ${JSON.stringify(message.event)} ignored`)
    }
  }

  #broadcast(message: Message, binary: boolean): void {
    const ctx = this.#ctx
    const config = this.config
    const payload = message.payload
    if (!isRecord(payload)) return
    const tooBig = payloadBytes(binary ? payload.payload : payload) > ctx.options.limits.maxPayloadBytes
    if (tooBig) {
      if (config.ack) this.connection.reply(this.joinRef, message.ref, this.topic, 'error', 'payload_size_exceeded')
      return
    }
    if (!this.permissions.broadcast.write) return // private without write: dropped, not even acked (§3.4)
    // kind 3 in → kind 4 out with the metadata dropped; text in → relayed verbatim (§1.4, §3.5)
    const out = binary ? { type: 'broadcast', event: payload.event, payload: payload.payload } : payload
    const receivers = new Set(
      Array.from(ctx.hub.members(this.hubKey)).filter(
        (s) => (s !== this || config.self) && s.permissions.broadcast.read,
      ),
    )
    ctx.eventRate.add(1 + receivers.size)
    if (ctx.eventRate.rate() > ctx.options.limits.maxEventsPerSecond) {
      // over the server-wide rate, every channel the message would reach shuts down (§3.7)
      for (const session of [this, ...receivers]) session.shutdown('Too many messages per second')
      return
    }
    // stored only once it passed the rate check: a refused message is not replayed later
    if (config.isPrivate && payload.persist)
      ctx.messages.store(this.hubKey, { event: String(payload.event), payload: payload.payload, binary })
    ctx.hub.deliver(
      this.hubKey,
      { join_ref: null, ref: null, topic: this.topic, event: 'broadcast', payload: out },
      {
        binary,
        accept: (s) => receivers.has(s),
      },
    )
    if (config.ack) this.connection.reply(this.joinRef, message.ref, this.topic, 'ok', {})
  }

  #presence(message: Message): void {
    const ctx = this.#ctx
    const { max, windowMs } = ctx.options.limits.presenceCalls
    const now = ctx.now()
    this.#presenceCalls = this.#presenceCalls.filter((t) => t > now - windowMs)
    this.#presenceCalls.push(now)
    if (this.#presenceCalls.length > max) return this.shutdown('Client presence rate limit exceeded')
    const payload = isRecord(message.payload) ? message.payload : {}
    const event = typeof payload.event === 'string' ? payload.event.toLowerCase() : undefined
    const reply = (status: string, response: unknown) =>
      this.connection.reply(this.joinRef, message.ref, this.topic, status, response)
    if (event === undefined) return reply('ok', {})
    if (event !== 'track' && event !== 'untrack') return reply('error', {})
    if (!this.#presenceRateOk()) return this.shutdown('Too many presence messages per second')
    if (!this.permissions.presence.write) return reply('error', {})
    let diff: PresenceDiff | null
    if (event === 'track') {
      if (!isRecord(payload.payload)) return reply('error', { reason: 'Presence track payload must be a map' })
      if (payloadBytes(payload.payload) > ctx.options.limits.maxPayloadBytes)
        return this.shutdown('Track message size exceeded')
      diff = ctx.presence.track(this, this.presenceKey, payload.payload)
      this.#presenceOn = true
    } else {
      diff = ctx.presence.untrack(this)
    }
    reply('ok', {})
    if (diff) this.#publishPresence(diff)
  }

  /**
   * Realtime's limit_presence_event: false when the server-wide presence rate (tracks, untracks, presence_state
   * syncs) is over max_presence_events_per_second already; else counts this one.
   */
  #presenceRateOk(): boolean {
    const rate = this.#ctx.presenceRate
    if (rate.rate() > this.#ctx.options.limits.maxPresenceEventsPerSecond) return false
    rate.add()
    return true
  }

  #publishPresence(diff: PresenceDiff): void {
    const message = { join_ref: null, ref: null, topic: this.topic, event: 'presence_diff', payload: diff }
    this.#ctx.hub.deliver(this.hubKey, message, { accept: (s) => s.receivesPresence })
  }

  async #accessToken(payload: unknown): Promise<void> {
    const token = isRecord(payload) ? payload.access_token : undefined
    if (typeof token !== 'string' || token.startsWith('sb_') || token === this.#token) return
    const verified = await this.#ctx.verify(token)
    if (!this.#live) return
    if (!verified.ok) return this.shutdown(shutdownMessage(verified))
    if (this.config.isPrivate) {
      const after = await this.#ctx.authorize(this.subTopic, verified.claims, this.connection.headers)
      if (!this.#live) return
      const refusal = accessTokenRecheck(this.permissions, after, this.subTopic, this.config.presenceEnabled)
      if (refusal) return this.shutdown(refusal)
      this.permissions = after
    }
    this.#token = token
    this.#claims = verified.claims
    this.#scheduleRecheck()
  }

  #scheduleRecheck(): void {
    clearTimeout(this.#recheck)
    const delay = recheckDelayMs(this.#claims, this.#ctx.now() / 1000)
    this.#recheck = setTimeout(
      () => {
        void this.#ctx.verify(this.#token).then((verified) => {
          if (!this.#live) return
          if (verified.ok) this.#scheduleRecheck()
          else this.shutdown(shutdownMessage(verified))
        })
      },
      Math.max(0, delay),
    )
    this.#recheck.unref?.()
  }

  /** Realtime's shutdown_response: a system error, then phx_close (§3.6). */
  shutdown(message: string): void {
    if (!this.#live) return
    this.#ctx.log.info(`channel ${this.topic}: shut down: ${message}`)
    this.pushSystem('system', 'error', message)
    this.close('shutdown')
  }

  /** Stops the channel and tells the client with phx_close ([J, J, topic, "phx_close", {}]). */
  close(why: 'left' | 'shutdown'): void {
    if (!this.#live) return
    this.terminate()
    this.connection.send({
      join_ref: this.joinRef,
      ref: this.joinRef,
      topic: this.topic,
      event: 'phx_close',
      payload: {},
    })
    this.#ctx.log.debug(`channel ${this.topic}: closed (${why})`)
  }

  /** Stops the channel without telling its own client (socket gone, duplicate join). Others see presence leave. */
  terminate(): void {
    if (!this.#live) return
    this.#live = false
    clearTimeout(this.#recheck)
    if (this.connection.channels.get(this.topic) === this) this.connection.channels.delete(this.topic)
    this.#ctx.hub.remove(this)
    this.#ctx.postgres.unsubscribe(this)
    const diff = this.#ctx.presence.untrack(this)
    if (diff) this.#publishPresence(diff)
  }
}
