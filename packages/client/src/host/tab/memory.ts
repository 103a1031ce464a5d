// What a tab holds on its worker, remembered by the worker link (DESIGN.md rule 8): the
// subscriptions with their specs, the presence payloads, the token provider, the last
// manual token and an explicit connect(). A new worker (after a restart, a missed deadline
// or the back/forward cache) is given all of it again by replay(), and each subscription
// then hears `resubscribed` so the app can refetch what it may have missed.
// Each `remember*` records a command before it is sent and returns how to undo it, for
// when the worker refuses the command.

import { proxy } from './tab-rpc.ts'
import type { EngineEvent, SubscriptionSpec } from '@shared-realtime/engine'
import type { TokenProviderFn } from './link.ts'
import { withDeadline } from './deadline.ts'
import { RealtimeError } from '../../errors.ts'
import type { Reply, TabApi } from '../protocol.ts'

/** setAuth may wait for the engine to ask a token provider (its own deadline is 10 s). */
export const PROVIDER_ALLOWANCE_MS = 10_000

export class TabMemory {
  readonly #subs = new Map<string, { topic: string; spec: SubscriptionSpec }>()
  readonly #tracked = new Map<string, Record<string, unknown>>()
  #provider: TokenProviderFn | null = null
  #token: string | null = null
  #wanted = false

  rememberSubscribe(subId: string, topic: string, spec: SubscriptionSpec): () => void {
    if (this.#subs.has(subId)) return () => {} // the worker refuses a duplicate: keep the first
    this.#subs.set(subId, { topic, spec })
    return () => void this.#subs.delete(subId)
  }

  rememberUnsubscribe(subId: string): void {
    this.#subs.delete(subId)
    this.#tracked.delete(subId)
  }

  rememberTrack(subId: string, payload: Record<string, unknown>): () => void {
    const previous = this.#tracked.get(subId)
    this.#tracked.set(subId, payload)
    return () => void (previous ? this.#tracked.set(subId, previous) : this.#tracked.delete(subId))
  }

  rememberUntrack(subId: string): void {
    this.#tracked.delete(subId)
  }

  /** '' and null both mean "ask the providers again": nothing to replay. */
  rememberToken(token: string | null): void {
    this.#token = token === '' ? null : token
  }

  rememberProvider(provider: TokenProviderFn | null): void {
    this.#provider = provider
  }

  rememberConnection(wanted: boolean): void {
    this.#wanted = wanted
  }

  clear(): void {
    this.#subs.clear()
    this.#tracked.clear()
    this.#provider = null
    this.#token = null
    this.#wanted = false
  }

  /**
   * Gives everything to the worker behind `api`, pipelined (the worker runs commands in
   * arrival order). Rejects when a call misses its deadline or another worker answers;
   * a single refusal (say, a subscription the worker now finds in conflict) reaches the
   * tab as the engine's own status event and does not stop the others.
   */
  async replay(api: TabApi, instance: string, deadlineMs: number): Promise<void> {
    const provider = this.#provider
    const calls: Array<[Promise<Reply<null>>, number]> = []
    if (provider) calls.push([api.setTokenProvider(proxy(() => provider())), deadlineMs])
    if (this.#token !== null) calls.push([api.setAuth(this.#token), deadlineMs + PROVIDER_ALLOWANCE_MS])
    for (const [subId, { topic, spec }] of this.#subs) calls.push([api.subscribe(subId, topic, spec), deadlineMs])
    for (const [subId, payload] of this.#tracked) calls.push([api.track(subId, payload), deadlineMs])
    if (this.#wanted) calls.push([api.connect(), deadlineMs])
    const replies = await Promise.all(calls.map(([call, ms]) => withDeadline(call, ms, 'recovery')))
    if (replies.some((reply) => reply.instance !== instance)) throw new RealtimeError('host-unavailable', 'the worker restarted during recovery')
  }

  /** One synthetic `resubscribed` system event per subscription, as the engine sends after its own rejoins. */
  resubscribed(): EngineEvent[] {
    return [...this.#subs].map(([sub, { topic }]) => ({
      type: 'system',
      sub,
      payload: { extension: 'system', status: 'ok', message: 'resubscribed', channel: topic.replace(/^realtime:/, '') },
    }))
  }
}
