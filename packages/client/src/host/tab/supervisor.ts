// Runs in the tab. Keeps one tab connected to its worker (DESIGN.md "Many tabs, one socket",
// rules 7-10): runs the SupervisorMachine (supervisor-machine.ts: its states, events and table)
// under the engine's Driver on an injected clock, carries out its effects, and runs each command
// on the current connection under a deadline. A worker is lost when a deadline passes (a call to
// a dead worker never settles; a periodic ping covers a tab that sends nothing), when a reply or
// an event carries another instance id or says the tab is unknown (a silent restart), or when
// the worker's own lock comes free (or, host 'leader', the leader tab closes the relayed connection). Commands still
// waiting on a lost connection stop waiting: the link runs those with an answer once more on the next one (a durable
// send finds itself stored there by its id). The machine then opens a new connection; the TabMemory
// re-registers what the tab holds and every subscription hears `resubscribed`. Events are
// acknowledged after the tab's handler ran. A hidden page (document.visibilityState) tells its
// worker, which then batches its events (`hiddenBatchMs`), and runs no probe where the worker's
// lock tells of its death: a hidden, idle tab runs no timer (decision 81).

import { type Clock, Driver, type EngineEvent, type Logger, realClock, silentLogger } from '@shared-realtime/engine'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import { type EngineConfig, randomId, readEvents, type Reply, type TabApi, workerLockName } from '../protocol.ts'
import { type Connection, openConnection } from './connection.ts'
import { withDeadline } from './deadline.ts'
import { hasLocks, whenReleased } from './locks.ts'
import type { TabMemory } from './memory.ts'
import { onPageTransitions } from './page-transitions.ts'
import type { Spawner } from './spawn.ts'
import {
  initialSupervisorState,
  type SupervisorContext,
  type SupervisorEffect,
  type SupervisorEvent,
  type SupervisorState,
  transitionSupervisor,
} from './supervisor-machine.ts'

const noop = (): void => {}
/** What a command still waiting hears when a rebind left its connection. */
const MOVED = Symbol('moved')
/** What a command still waiting hears when its connection was found lost (the worker died, or a stranger answered). */
const LOST = Symbol('lost')
/** Why a connection ended under the commands waiting on it: the first reason given wins. */
type Ended = typeof MOVED | typeof LOST
const notAttached = () => new RealtimeError('not-attached', 'the client is not attached to its worker host')

export interface SupervisorOptions {
  spawn: Spawner
  memory: TabMemory
  commandMs: number
  attachMs: number
  /** How often a live connection is probed (a tab that only listens would never notice a dead worker); 0: never. */
  probeMs: number
  /** Where the recovery's waits, the probes and the deadlines run. Default: the real clock. */
  clock?: Clock
  /** The page's back/forward-cache transitions and visibility (page-transitions.ts); tests pass their own. */
  pageTransitions?: typeof onPageTransitions
  /** Where a lost worker and a recovery are told. Default: nowhere. */
  logger?: Logger
  /** How long the worker may hold this tab's events while its page is hidden; 0: never. Default HIDDEN_BATCH_MS. */
  hiddenBatchMs?: number | undefined
  /** Whether the worker's lock tells this tab of its death (Web Locks). Default: whether this page has them. */
  locks?: boolean
  /** Whether the tab is about to subscribe when a connection opens: the worker then opens the socket at once. */
  wantsSocket?: (() => boolean) | undefined
}

/**
 * How long a hidden tab's events may wait in its worker to go in one batch (RealtimeClientOptions.hiddenBatchMs,
 * decision 81): about what a hidden page's timers already wait (browsers run them at most once a second).
 */
export const HIDDEN_BATCH_MS = 1000

type Waiter = { resolve: (connection: Connection) => void; reject: (error: unknown) => void }
type State = SupervisorState<Connection>

export class Supervisor {
  /** Names this tab's locks (the worker gives the tab its id at each attach). */
  readonly #lockId = randomId()
  readonly #options: SupervisorOptions
  readonly #clock: Clock
  readonly #log: Logger
  readonly #driver: Driver<State, SupervisorEvent<Connection>, SupervisorContext, SupervisorEffect<Connection>>
  /** Commands (and the attach) waiting for a live connection. */
  readonly #waiters = new Set<Waiter>()
  #ids = 0
  #config: EngineConfig | undefined
  /** The config each connection attached with: a rebind replaces the one attached with another. */
  readonly #attachedWith = new WeakMap<Connection, EngineConfig>()
  /** A rebind's `lost` is no lost worker (the log says so). */
  #rebinding = false
  /** Connections a rebind left (MOVED) or found lost (LOST): the commands still waiting on them stop (see `run`). */
  readonly #ended = new WeakMap<Connection, { promise: Promise<Ended>; resolve: (why: Ended) => void }>()
  #onEvents: ((events: EngineEvent[]) => void) | undefined
  #unlisten: (() => void) | undefined
  /** The last detach command on its way (detach() waits for it). */
  #leaving: Promise<void> = Promise.resolve()
  /** The page is hidden (known once the page is listened to). */
  #hidden = false
  readonly #holdMs: number
  /** The probe pauses while the page is hidden: the worker's lock tells of its death. */
  readonly #pausesProbe: boolean

  constructor(options: SupervisorOptions) {
    this.#options = options
    this.#clock = options.clock ?? realClock
    this.#log = options.logger ?? silentLogger
    this.#holdMs = options.hiddenBatchMs ?? HIDDEN_BATCH_MS
    this.#pausesProbe = options.locks ?? hasLocks()
    const probeMs = () => (this.#hidden && this.#pausesProbe ? 0 : options.probeMs)
    this.#driver = new Driver({
      initial: initialSupervisorState as State,
      transition: transitionSupervisor,
      context: () => ({ now: this.#clock.now(), id: ++this.#ids, probeMs: probeMs() }),
      perform: (effect) => this.#perform(effect),
      timers: { clock: this.#clock, fired: (timer) => ({ type: timer === 'retry' ? 'retry-due' : 'probe-due' }) },
      changed: (next, previous) => this.#changed(next, previous),
    })
  }

  get state(): State {
    return this.#driver.state
  }

  async attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    if (this.#driver.state.name !== 'detached') await this.detach()
    this.#config = config
    this.#onEvents = onEvents
    this.#driver.dispatch({ type: 'attach' })
    await this.#current()
  }

  /**
   * Moves the tab to the engine of `config` (another identity): a new connection attaches with it and is given the
   * memory (so the tab's provider, token, subscriptions and presence), the old one says goodbye, and every
   * subscription hears `resubscribed`, as after a recovery. Resolves once the new connection is live.
   */
  async rebind(config: EngineConfig): Promise<void> {
    this.#config = config
    for (;;) {
      // hidden (the back/forward cache): page-show reattaches, with this config
      if (this.#driver.state.name === 'hidden') return
      const connection = await this.#current()
      if (this.#attachedWith.get(connection) === config) return
      this.#rebinding = true
      try {
        this.#endedOf(connection).resolve(MOVED)
        this.#driver.dispatch({ type: 'lost', connection })
      } finally {
        this.#rebinding = false
      }
    }
  }

  async detach(): Promise<void> {
    this.#leaving = Promise.resolve()
    this.#driver.dispatch({ type: 'detach' })
    await this.#leaving
  }

  /**
   * One command on the current connection: its reply, or undefined when the worker was lost and replaced (the
   * memory has given the new one what the tab holds; a command not remembered may run again). A command still
   * waiting when a rebind moves the tab to another engine gets `moved()`'s answer, else undefined: its answer
   * would come on a connection the tab has closed, and running it again would run it for another identity.
   */
  async run<T>(
    what: string,
    invoke: (api: TabApi) => Promise<Reply<T>>,
    ms: number,
    moved?: (instance: string) => Reply<T>,
  ): Promise<Reply<T> | undefined> {
    const connection = await withDeadline(this.#current(), ms, what, this.#clock)
    let reply: Reply<T> | Ended
    try {
      const answer = Promise.race([invoke(connection.remote), this.#endedOf(connection).promise])
      reply = await withDeadline(answer, ms, what, this.#clock)
    } catch (error) {
      const e = asRealtimeError(error, 'command-failed')
      if (e.kind === 'host-timeout') this.#lose(connection)
      throw e
    }
    if (reply === MOVED) return moved?.(connection.instance)
    if (reply !== LOST && reply.instance === connection.instance && (reply.ok || reply.error.kind !== 'not-attached')) {
      return reply
    }
    // the worker died while the command waited (its lock came free: the leader tab closed, the SharedWorker was
    // killed), a stranger answered (a restarted worker), or the worker forgot this tab: once recovered, the
    // memory has given the new one what the tab holds, and the link runs a command with an answer once more
    this.#lose(connection)
    await withDeadline(this.#current(), ms, what, this.#clock)
    return undefined
  }

  /** `connection` is lost: the commands waiting on it stop waiting, and the machine opens the next one. */
  #lose(connection: Connection): void {
    this.#endedOf(connection).resolve(LOST)
    this.#driver.dispatch({ type: 'lost', connection })
  }

  /** Resolves with why `connection` ended under its waiting commands: a rebind left it, or it was found lost. */
  #endedOf(connection: Connection): { promise: Promise<Ended>; resolve: (why: Ended) => void } {
    let ended = this.#ended.get(connection)
    if (!ended) {
      let resolve!: (why: Ended) => void
      const promise = new Promise<Ended>((r) => (resolve = r))
      ended = { promise, resolve }
      this.#ended.set(connection, ended)
    }
    return ended
  }

  /** The live connection, or the next one; rejects when the tab is detached or in the back/forward cache. */
  #current(): Promise<Connection> {
    const state = this.#driver.state
    if (state.name === 'live') return Promise.resolve(state.connection)
    if (state.name === 'detached' || state.name === 'hidden') return Promise.reject(notAttached())
    return new Promise((resolve, reject) => this.#waiters.add({ resolve, reject }))
  }

  #perform(effect: Exclude<SupervisorEffect<Connection>, { type: 'start-timer' | 'cancel-timer' }>): void {
    const { commandMs, memory } = this.#options
    switch (effect.type) {
      case 'open':
        return this.#open(effect.id, effect.replay)
      case 'close':
        // the worker names the tab anew at each attach, so the tab's record on this connection is not replaced by
        // the next one: the goodbye detaches it where no lock tells the worker (no Web Locks), fire and forget
        void effect.connection.remote.goodbye().catch(noop)
        return effect.connection.close()
      case 'leave': {
        // a dead worker never answers; closing the connection releases our lock, which detaches us too
        const { connection } = effect
        const detached = withDeadline(connection.remote.detach(), commandMs, 'detach', this.#clock)
        this.#leaving = detached.then(noop, noop).then(() => connection.close())
        return
      }
      case 'goodbye':
        return void effect.connection.remote.goodbye().catch(noop) // no await: the page is leaving
      case 'watch': {
        const { connection } = effect
        void connection.closedByPeer?.then(() => this.#lose(connection))
        return whenReleased(workerLockName(connection.instance), () => this.#lose(connection))
      }
      case 'ping':
        // a deadline or a stranger's answer dispatches `lost` inside run()
        return void this.run('ping', (api) => api.ping(), commandMs)
          .then(noop, noop)
          .finally(() => this.#driver.dispatch({ type: 'probe-done' }))
      case 'resubscribed':
        return this.#deliver(memory.resubscribed())
      case 'resolve-waiters':
        return this.#settle((waiter) => waiter.resolve(effect.connection))
      case 'reject-waiters': {
        const error = effect.error ?? notAttached()
        return this.#settle((waiter) => waiter.reject(error))
      }
      case 'listen-page': {
        const listen = this.#options.pageTransitions ?? onPageTransitions
        this.#unlisten ??= listen(
          (persisted) => this.#driver.dispatch({ type: 'page-hide', persisted }),
          () => this.#driver.dispatch({ type: 'page-show' }),
          (hidden) => this.#visibility(hidden),
        )
        return
      }
      case 'unlisten-page':
        this.#unlisten?.()
        this.#unlisten = undefined
        return
      case 'forget':
        return memory.clear()
    }
  }

  /** The hold this tab asks of its worker now: hiddenBatchMs while hidden, else 0. */
  #holdNow(): number {
    return this.#hidden ? this.#holdMs : 0
  }

  /** The page was hidden or shown: the live connection tells its worker; the probe stops or pings now. */
  #visibility(hidden: boolean): void {
    if (hidden === this.#hidden) return
    this.#hidden = hidden
    const state = this.#driver.state
    if (state.name === 'live') state.connection.visibility(this.#holdNow())
    if (this.#pausesProbe) this.#driver.dispatch({ type: 'visibility', hidden })
  }

  /** What the app's logger hears of the link's life. */
  #changed(next: State, previous: State): void {
    // a connection opened while the page changed its visibility tells its worker now
    if (next.name === 'live') next.connection.visibility(this.#holdNow())
    if (previous.name === 'live' && next.name === 'recovering' && this.#rebinding) {
      this.#log.debug('moving to the engine of the new identity')
    } else if (previous.name === 'live' && next.name === 'recovering') {
      this.#log.warn(`worker ${previous.connection.instance} lost; recovering`)
    } else if (previous.name === 'recovering' && next.name === 'live') {
      this.#log.info(`recovered on worker ${next.connection.instance}`)
    }
  }

  #settle(each: (waiter: Waiter) => void): void {
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const waiter of waiters) each(waiter)
  }

  /** Opens connection `id` (and replays the memory on it); its outcome comes back as an event. */
  #open(id: number, replay: boolean): void {
    const { spawn, attachMs, commandMs, memory } = this.#options
    const config = this.#config
    const opening = async (): Promise<Connection> => {
      if (!config) throw notAttached()
      const lockName = `shared-realtime-tab:${this.#lockId}:${id}`
      const onMessage = (connection: Connection, data: unknown) => this.#onMessage(connection, data)
      const connection = await openConnection({
        spawn,
        lockName,
        config,
        deadlineMs: attachMs,
        onMessage,
        clock: this.#clock,
        holdMs: this.#holdNow(),
        warm: this.#options.wantsSocket?.(),
      })
      try {
        if (replay) await memory.replay(connection.remote, connection.instance, commandMs, this.#clock)
      } catch (error) {
        connection.close()
        throw error
      }
      this.#attachedWith.set(connection, config)
      return connection
    }
    opening().then(
      (connection) => this.#driver.dispatch({ type: 'opened', id, connection }),
      (error: unknown) => {
        const e = asRealtimeError(error, 'host-unavailable')
        // (a first attach's failure is its caller's to report)
        if (replay) this.#log.warn(`could not reopen a connection to the worker: ${e.message}`)
        this.#driver.dispatch({ type: 'open-failed', id, error: e })
      },
    )
  }

  #onMessage(connection: Connection, data: unknown): void {
    const message = readEvents(data)
    if (!message || connection.closed) return
    if (message.instance !== connection.instance) return this.#lose(connection)
    this.#deliver(message.events)
    connection.ack(message.events.length)
  }

  /** A handler that throws is reported in its own task and never stops delivery or acks. */
  #deliver(events: EngineEvent[]): void {
    if (events.length === 0) return
    try {
      this.#onEvents?.(events)
    } catch (error) {
      setTimeout(() => {
        throw error
      }, 0)
    }
  }
}
