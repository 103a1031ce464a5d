// The tab side of the worker hosts: HostLink for 'shared-worker' and 'worker' (DESIGN.md
// "Many tabs, one socket", rules 7-13). Each command is first remembered (TabMemory, so a
// new worker can be given it again), then run by the Supervisor under a deadline, which
// also replaces a lost worker. A command that times out rejects with RealtimeError
// `host-timeout` (retryable); what it registered is replayed by the recovery all the same.

import type { EngineEvent, PushResult, SubscriptionSpec } from '@shared-realtime/engine'
import type { EngineConfig, HostLink, SendOptions, TokenProviderFn } from './link.ts'
import { PROVIDER_ALLOWANCE_MS, TabMemory } from './memory.ts'
import { type Spawner, spawnDedicatedWorker, spawnSharedWorker } from './spawn.ts'
import { Supervisor } from './supervisor.ts'
import { proxy } from './tab-rpc.ts'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import type { Reply, TabApi, WorkerSnapshot } from '../protocol.ts'

export interface WorkerLinkOptions {
  /** A prebuilt worker script instead of the bundled entry. */
  workerUrl?: string | URL
  /** Deadline of each command (a send: its own timeout plus this). Default 5000. */
  commandTimeoutMs?: number
  /** Deadline of an attach, the worker's start included. Default 10 000. */
  attachTimeoutMs?: number
  /** How often a live link checks that its worker answers (a tab that only listens would not notice otherwise). Default 15 000; 0: never. */
  probeIntervalMs?: number
  /** How to reach a worker; default: the kind's bundled entry. */
  spawn?: Spawner
}

export class WorkerLink implements HostLink {
  readonly kind: 'shared-worker' | 'worker'
  readonly #memory = new TabMemory()
  readonly #supervisor: Supervisor
  readonly #commandMs: number

  constructor(kind: 'shared-worker' | 'worker', options: WorkerLinkOptions = {}) {
    this.kind = kind
    const url = options.workerUrl
    const spawn = options.spawn ?? (kind === 'shared-worker' ? () => spawnSharedWorker(url) : () => spawnDedicatedWorker(url))
    this.#commandMs = options.commandTimeoutMs ?? 5000
    this.#supervisor = new Supervisor({ spawn, memory: this.#memory, commandMs: this.#commandMs, attachMs: options.attachTimeoutMs ?? 10_000, probeMs: options.probeIntervalMs ?? 15_000 })
  }

  attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    return this.#supervisor.attach(config, onEvents)
  }

  subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<void> {
    const undo = this.#memory.rememberSubscribe(subId, topic, spec)
    return this.#replayed('subscribe', (api) => api.subscribe(subId, topic, spec), undo)
  }

  unsubscribe(subId: string): Promise<void> {
    this.#memory.rememberUnsubscribe(subId)
    return this.#replayed('unsubscribe', (api) => api.unsubscribe(subId))
  }

  /**
   * Run once more on a new worker when the first one is lost. A durable send carries its id
   * (RealtimeChannel makes one), so the second run finds it stored and does not store it twice.
   */
  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<PushResult> {
    // a bad timeout is the worker's to refuse (bad-request), not a reason for a short deadline
    const ms = Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs + this.#commandMs : this.#commandMs
    return this.#value('send', (api) => (options === undefined ? api.send(subId, payload, timeoutMs) : api.send(subId, payload, timeoutMs, options)), ms)
  }

  track(subId: string, payload: Record<string, unknown>): Promise<void> {
    const undo = this.#memory.rememberTrack(subId, payload)
    return this.#replayed('track', (api) => api.track(subId, payload), undo)
  }

  untrack(subId: string): Promise<void> {
    this.#memory.rememberUntrack(subId)
    return this.#replayed('untrack', (api) => api.untrack(subId))
  }

  setAuth(token: string | null): Promise<void> {
    this.#memory.rememberToken(token)
    return this.#replayed('setAuth', (api) => api.setAuth(token), undefined, this.#commandMs + PROVIDER_ALLOWANCE_MS)
  }

  setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    this.#memory.rememberProvider(provider)
    return this.#replayed('setTokenProvider', (api) => api.setTokenProvider(provider && proxy(() => provider())))
  }

  connect(): Promise<void> {
    this.#memory.rememberConnection(true)
    return this.#replayed('connect', (api) => api.connect())
  }

  disconnect(): Promise<void> {
    this.#memory.rememberConnection(false)
    return this.#replayed('disconnect', (api) => api.disconnect())
  }

  sendHeartbeat(): Promise<void> {
    return this.#value('sendHeartbeat', (api) => api.sendHeartbeat()).then(() => {})
  }

  networkOnline(): Promise<void> {
    return this.#value('networkOnline', (api) => api.networkOnline()).then(() => {})
  }

  inspect(): Promise<WorkerSnapshot> {
    return this.#value('inspect', (api) => api.inspect())
  }

  detach(): Promise<void> {
    return this.#supervisor.detach()
  }

  /** A command the link remembers: after a lost worker, the recovery has re-registered it. */
  async #replayed(what: string, invoke: (api: TabApi) => Promise<Reply<null>>, undo?: () => void, ms = this.#commandMs): Promise<void> {
    const reply = await this.#supervisor.run(what, invoke, ms)
    if (reply && !reply.ok) {
      undo?.()
      throw asRealtimeError(reply.error, 'command-failed')
    }
  }

  /** A command with an answer: after a lost worker, it runs once more on the new one. */
  async #value<T>(what: string, invoke: (api: TabApi) => Promise<Reply<T>>, ms = this.#commandMs): Promise<T> {
    const reply = (await this.#supervisor.run(what, invoke, ms)) ?? (await this.#supervisor.run(what, invoke, ms))
    if (!reply) throw new RealtimeError('host-unavailable', `${what}: the worker was replaced twice`)
    if (!reply.ok) throw asRealtimeError(reply.error, 'command-failed')
    return reply.value
  }
}
