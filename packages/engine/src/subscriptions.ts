// The tab subscriptions of one server channel (server-channel.ts): who is subscribed, the join
// payload they add up to (join-union.ts) and whether the channel must rejoin for it, and who hears
// what. What the server sends goes to every subscription; a tab's broadcast, once the server
// acknowledged it, goes to every subscription but the sender's, unless the sender asked for `self`
// (the echo rule: the server channel joins with `self: false`, so the engine echoes it itself).

import type { EngineEvent, ErrorData } from './events.ts'
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

  /**
   * Why `spec` cannot share this channel: `private` must agree (one topic is one channel on a socket), and so must
   * the presence keys asked for (one channel has one presence key: a subscription of another key would see its meta
   * shown under the channel's key; decision 62). A subscription that asks for no key ('') shares the channel's.
   */
  conflict(spec: SubscriptionSpec): ErrorData | undefined {
    if (this.#subs.size === 0) return undefined
    if ((spec.config.private === true) !== this.isPrivate) {
      const kind = this.isPrivate ? 'private' : 'public'
      const message =
        `"${this.#topic}" is already subscribed as a ${kind} channel by another subscription of this browser; ` +
        'one topic can be only one of the two on a connection'
      return { kind: 'subscription-conflict', message, retryable: false }
    }
    const asked = spec.config.presence?.key ?? ''
    const key = this.#union.payload.config.presence.key
    if (asked !== '' && key !== '' && asked !== key) {
      const message =
        `"${this.#topic}" is already subscribed with presence key "${key}" by another subscription of this user in ` +
        `this browser; one channel has one presence key, so "${asked}" cannot be used here: give every tab and ` +
        `client of one user the same key (e.g. the user's id), or none`
      return { kind: 'presence-key-conflict', message, retryable: false }
    }
    return undefined
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
