// The tab subscriptions of one server channel (server-channel.ts): who is subscribed, the join
// payload they add up to (join-union.ts) and whether the channel must rejoin for it, and who hears
// what. What the server sends goes to every subscription; a tab's broadcast, once the server
// acknowledged it, goes to every subscription but the sender's, unless the sender asked for `self`
// (the echo rule: the server channel joins with `self: false`, so the engine echoes it itself).

import type { EngineEvent } from './events.ts'
import { joinUnion, type JoinUnion, type SubscriptionSpec } from './join-union.ts'

/** A tab session as a channel sees it (Session implements it). */
export interface SessionHandle {
  readonly id: string
  emit(event: EngineEvent): void
}

export interface Subscription {
  readonly session: SessionHandle
  readonly subId: string
  readonly spec: SubscriptionSpec
}

/** A subscription's key: its session's id and the id the tab gave it. */
export const subscriptionKey = (sessionId: string, subId: string): string => `${sessionId}/${subId}`

export class SubscriptionSet {
  readonly #topic: string
  /** In subscription order: the order of the union's `indexes`. */
  readonly #subs = new Map<string, Subscription>()
  #union: JoinUnion
  /** The union's key when the last join was sent. */
  #joinedKey = ''

  constructor(topic: string) {
    this.#topic = topic
    this.#union = joinUnion(topic, [], null)
  }

  get size(): number {
    return this.#subs.size
  }

  /** The ids of the sessions subscribed here, each once. */
  get sessions(): string[] {
    return [...new Set([...this.#subs.values()].map((s) => s.session.id))]
  }

  /** In subscription order. */
  get list(): Subscription[] {
    return [...this.#subs.values()]
  }

  get union(): JoinUnion {
    return this.#union
  }

  get isPrivate(): boolean {
    return this.#union.payload.config.private
  }

  /** The union changed since the last join was sent (a new postgres binding, presence turned on). */
  get needsRejoin(): boolean {
    return this.#union.key !== this.#joinedKey
  }

  /** Why `spec` cannot share this channel (`private` must agree: one topic is one channel on a socket). */
  conflict(spec: SubscriptionSpec): string | undefined {
    if (this.#subs.size === 0 || (spec.config.private === true) === this.isPrivate) return undefined
    const kind = this.isPrivate ? 'private' : 'public'
    return (
      `"${this.#topic}" is already subscribed as a ${kind} channel by another subscription of this browser; ` +
      'one topic can be only one of the two on a connection'
    )
  }

  get(key: string | undefined): Subscription | undefined {
    return key === undefined ? undefined : this.#subs.get(key)
  }

  add(session: SessionHandle, subId: string, spec: SubscriptionSpec, token: string | null): void {
    this.#subs.set(subscriptionKey(session.id, subId), { session, subId, spec })
    this.#recompute(token)
  }

  /** Whether it was there. */
  remove(session: SessionHandle, subId: string, token: string | null): boolean {
    if (!this.#subs.delete(subscriptionKey(session.id, subId))) return false
    this.#recompute(token)
    return true
  }

  hasSession(sessionId: string): boolean {
    return [...this.#subs.values()].some((s) => s.session.id === sessionId)
  }

  /** The payload of the join about to be sent, with the current token; remembered as joined. */
  joinPayload(token: string | null): JoinUnion['payload'] {
    this.#recompute(token)
    this.#joinedKey = this.#union.key
    return this.#union.payload
  }

  toAll(make: (subId: string) => EngineEvent): void {
    for (const sub of this.#subs.values()) sub.session.emit(make(sub.subId))
  }

  /** An acknowledged broadcast, to every subscription but its sender's (unless `self`). */
  echo(payload: Record<string, unknown>, sender: Subscription | undefined): void {
    for (const sub of this.#subs.values()) {
      if (sub === sender && sender.spec.config.broadcast?.self !== true) continue
      sub.session.emit({ type: 'broadcast', sub: sub.subId, payload: payload as never })
    }
  }

  #recompute(token: string | null): void {
    this.#union = joinUnion(
      this.#topic,
      [...this.#subs.values()].map((s) => s.spec),
      token,
    )
  }
}
