// Runs in the tab. The tab side of the worker hosts: HostLink for 'shared-worker' and 'worker'
// (DESIGN.md "Many tabs, one socket", rules 7-13). Each method is one command of the COMMANDS
// table (../protocol.ts). A command the table marks `remembered` is first recorded in the
// TabMemory (so a new worker can be given it again), then run by the Supervisor under a
// deadline; the Supervisor also replaces a lost worker. A command that times out rejects with
// RealtimeError `host-timeout` (retryable); what it registered is replayed by the recovery all
// the same.

import type { EngineEvent, Logger, PushResult, SubscriptionSpec } from '@shared-realtime/engine'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import type {
  Args,
  Call,
  Command,
  EngineConfig,
  Remembered,
  Reply,
  Result,
  SendOptions,
  TabApi,
  TokenProviderFn,
  WorkerKind,
  WorkerSnapshot,
} from '../protocol.ts'
import type { HostLink } from './link.ts'
import { deadlineOf, TabMemory } from './memory.ts'
import { type Spawner, spawnDedicatedWorker, spawnSharedWorker, type WorkerSpawn } from './spawn.ts'
import { Supervisor, type SupervisorOptions } from './supervisor.ts'
import { proxy } from './tab-rpc.ts'

/** The commands with an answer of their own (not remembered). */
type Answered = Exclude<Command, Remembered>

export interface WorkerLinkOptions {
  /** A prebuilt worker script instead of the bundled entry. */
  workerUrl?: string | URL
  /** Deadline of each command (a send: its own timeout plus this). Default 5000. */
  commandTimeoutMs?: number
  /** Deadline of an attach, the worker's start included. Default 10 000. */
  attachTimeoutMs?: number
  /** How often a live link checks that its worker answers (a tab that only listens would not notice otherwise).
   *  Default 15 000; 0: never. */
  probeIntervalMs?: number
  /** How long the worker may hold this tab's events while its page is hidden (decision 81); 0: never. Default 1000. */
  hiddenBatchMs?: number | undefined
  /** Whether the tab is about to subscribe (a subscribe() or connect() waits for the attach): the socket opens then. */
  wantsSocket?: (() => boolean) | undefined
  /**
   * A SharedWorker started before the link existed (RealtimeClient's constructor: it starts in parallel with the
   * page's own work), handed out once: the first connection of a 'shared-worker' link uses it.
   */
  early?: (() => WorkerSpawn | undefined) | undefined
  /** How to reach a worker; default: the kind's bundled entry. */
  spawn?: Spawner
  /** Host 'leader': this tab's id in the election (inspect() tells whether the leader is this tab). */
  tab?: string
  /** The link's own lines (a lost worker, a recovery); silent without. */
  logger?: Logger
  /** Tests: the Supervisor's clock and page transitions (SupervisorOptions). */
  supervisor?: Pick<SupervisorOptions, 'clock' | 'pageTransitions'>
}

export class WorkerLink implements HostLink {
  readonly kind: WorkerKind
  readonly #memory = new TabMemory()
  readonly #supervisor: Supervisor
  readonly #commandMs: number
  readonly #tab: string | undefined

  /** 'leader': `options.spawn` is the leader node's (select.ts, leader.ts). */
  constructor(kind: WorkerKind, options: WorkerLinkOptions = {}) {
    this.kind = kind
    const url = options.workerUrl
    const bundled = kind === 'shared-worker' ? () => spawnSharedWorker(url) : () => spawnDedicatedWorker(url)
    const spawn = options.spawn ?? (() => (kind === 'shared-worker' && options.early?.()) || bundled())
    this.#commandMs = options.commandTimeoutMs ?? 5000
    this.#tab = options.tab
    this.#supervisor = new Supervisor({
      ...options.supervisor,
      ...(options.logger ? { logger: options.logger } : {}),
      spawn,
      memory: this.#memory,
      commandMs: this.#commandMs,
      attachMs: options.attachTimeoutMs ?? 10_000,
      probeMs: options.probeIntervalMs ?? 15_000,
      hiddenBatchMs: options.hiddenBatchMs,
      wantsSocket: options.wantsSocket,
    })
  }

  attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    return this.#supervisor.attach(config, onEvents)
  }

  subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<void> {
    return this.#remembered({ name: 'subscribe', args: [subId, topic, spec] })
  }

  unsubscribe(subId: string): Promise<void> {
    return this.#remembered({ name: 'unsubscribe', args: [subId] })
  }

  /**
   * Run once more on a new worker when the first one is lost. A durable send carries its id
   * (RealtimeChannel makes one), so the second run finds it stored and does not store it twice.
   */
  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<PushResult> {
    // a bad timeout is the worker's to refuse (bad-request), not a reason for a short deadline
    const ms = Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs + this.#commandMs : this.#commandMs
    return this.#answered('send', [subId, payload, timeoutMs, options], ms, sendMoved)
  }

  track(subId: string, payload: Record<string, unknown>): Promise<void> {
    return this.#remembered({ name: 'track', args: [subId, payload] })
  }

  untrack(subId: string): Promise<void> {
    return this.#remembered({ name: 'untrack', args: [subId] })
  }

  setAuth(token: string | null): Promise<void> {
    return this.#remembered({ name: 'setAuth', args: [token] })
  }

  setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    // the worker calls it back through a port of its own (tab-rpc.ts)
    return this.#remembered({ name: 'setTokenProvider', args: [provider && proxy(() => provider())] })
  }

  connect(): Promise<void> {
    return this.#remembered({ name: 'connect', args: [] })
  }

  disconnect(): Promise<void> {
    return this.#remembered({ name: 'disconnect', args: [] })
  }

  sendHeartbeat(): Promise<void> {
    return this.#answered('sendHeartbeat', []).then(() => {})
  }

  networkOnline(): Promise<void> {
    return this.#answered('networkOnline', []).then(() => {})
  }

  async inspect(): Promise<WorkerSnapshot> {
    const snapshot = await this.#answered('inspect', [])
    // host 'leader': the worker names the leading tab, the tab knows whether that is itself
    return snapshot.leader
      ? { ...snapshot, leader: { ...snapshot.leader, self: snapshot.leader.tab === this.#tab } }
      : snapshot
  }

  clearDurable(): Promise<number> {
    return this.#answered('clearDurable', [])
  }

  rebind(config: EngineConfig, token: string | null): Promise<void> {
    // the new connection is given the memory: the token first, so the joins there carry it
    this.#memory.remember({ name: 'setAuth', args: [token] })
    return this.#supervisor.rebind(config)
  }

  detach(): Promise<void> {
    return this.#supervisor.detach()
  }

  /** A command the link remembers: after a lost worker, the recovery has given it to the new one. */
  async #remembered(call: Call<Remembered>): Promise<void> {
    const undo = this.#memory.remember(call)
    const ms = deadlineOf(call.name, this.#commandMs)
    const reply = await this.#supervisor.run(call.name, invoke(call.name, call.args), ms)
    if (reply && !reply.ok) {
      undo()
      throw asRealtimeError(reply.error, 'command-failed')
    }
  }

  /** A command with an answer: after a lost worker, it runs once more on the new one. */
  async #answered<K extends Answered>(
    name: K,
    args: Args<K>,
    ms = this.#commandMs,
    moved?: (instance: string) => Reply<Result<K>>,
  ): Promise<Result<K>> {
    const run = invoke(name, args)
    const reply =
      (await this.#supervisor.run(name, run, ms, moved)) ?? (await this.#supervisor.run(name, run, ms, moved))
    if (!reply) throw new RealtimeError('host-unavailable', `${name}: the worker was replaced twice`)
    if (!reply.ok) throw asRealtimeError(reply.error, 'command-failed')
    return reply.value
  }
}

/**
 * A send still waiting when the tab moved to another identity's engine: no answer will come, and it must not go out
 * again under the new identity (a durable one stays stored under its own): 'timed out', realtime-js's "no answer".
 */
const sendMoved = (instance: string): Reply<PushResult> => ({ instance, ok: true, value: 'timed out' })

/** The command `name` with `args`, on whichever worker the Supervisor hands it. */
function invoke<K extends Command>(name: K, args: Args<K>): (api: TabApi) => Promise<Reply<Result<K>>> {
  return (api) => (api[name] as (...a: Args<K>) => Promise<Reply<Result<K>>>)(...args)
}
