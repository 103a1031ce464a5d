// Keeps one tab connected to its worker (DESIGN.md "Many tabs, one socket", rules 7-10):
// attaches, runs each command under a deadline, and replaces a lost worker. A worker is
// lost when a deadline passes (a Comlink call to a dead worker never settles; a periodic
// ping covers a tab that sends nothing), or when a reply or event carries another instance
// id or says the tab is unknown (a silent restart). The supervisor then opens a new
// connection, re-attaches, has the TabMemory re-register what the tab holds and delivers
// `resubscribed` for each subscription. pagehide says goodbye; with `persisted` (bfcache)
// it lets go of the worker and the lock, and pageshow comes back the way a recovery does.
// Events are acknowledged after the tab's handler ran.
//
//                    attach                 attached
//   detached ─────────────────▶ connecting ──────────▶ live
//      ▲   first attach fails     │    ▲                  │ lost: a deadline, another instance,
//      └──────────────────────────┘    └──────────────────┘ not-attached (retried with backoff)
//   live | connecting ── pagehide(persisted) ──▶ hidden ── pageshow(persisted) ──▶ connecting
//   any ── detach ──▶ detached

import type { EngineEvent } from '@shared-realtime/engine'
import type { EngineConfig } from '../protocol.ts'
import { type Connection, openConnection } from './connection.ts'
import { withDeadline } from './deadline.ts'
import { onPageTransitions } from './page-transitions.ts'
import type { TabMemory } from './memory.ts'
import type { Spawner } from './spawn.ts'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import { randomId, readEvents, type Reply, type TabApi, workerLockName } from '../protocol.ts'

type LinkState =
  | { name: 'detached' }
  | { name: 'connecting'; done: Promise<Connection> }
  | { name: 'live'; connection: Connection }
  | { name: 'hidden' }

/** Waits before recovery attempt n (the last value repeats). */
const RECOVERY_DELAYS_MS = [0, 250, 1000, 2000, 5000, 10_000]
const noop = (): void => {}
const notAttached = () => new RealtimeError('not-attached', 'the client is not attached to its worker host')

export interface SupervisorOptions {
  spawn: Spawner
  memory: TabMemory
  commandMs: number
  attachMs: number
  /** How often a live connection is probed (a tab that only listens would never notice a dead worker); 0: never. */
  probeMs: number
}

export class Supervisor {
  readonly #tabId = randomId()
  readonly #options: SupervisorOptions
  #state: LinkState = { name: 'detached' }
  /** Bumped by attach, detach and a bfcache pagehide: work of an older epoch stops. */
  #epoch = 0
  #lockSeq = 0
  #config: EngineConfig | undefined
  #onEvents: ((events: EngineEvent[]) => void) | undefined
  #unlisten: (() => void) | undefined
  #probe: ReturnType<typeof setInterval> | undefined

  constructor(options: SupervisorOptions) {
    this.#options = options
  }

  async attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    if (this.#state.name !== 'detached') await this.detach()
    this.#config = config
    this.#onEvents = onEvents
    const epoch = ++this.#epoch
    const done = this.#open().then((connection) => {
      if (epoch !== this.#epoch) throw (connection.close(), notAttached())
      this.#live(connection)
      return connection
    })
    this.#state = { name: 'connecting', done }
    this.#unlisten ??= onPageTransitions((persisted) => this.#pageHide(persisted), () => void this.#recover(null).catch(noop))
    await done.catch((error: unknown) => {
      if (epoch === this.#epoch) void this.detach()
      throw error
    })
  }

  async detach(): Promise<void> {
    const state = this.#state
    this.#epoch++
    this.#state = { name: 'detached' }
    this.#unlisten?.()
    this.#unlisten = undefined
    this.#stopProbe()
    this.#options.memory.clear()
    if (state.name !== 'live') return
    // a dead worker never answers; closing the connection releases our lock, which detaches us too
    await withDeadline(state.connection.remote.detach(), this.#options.commandMs, 'detach').catch(noop)
    state.connection.close()
  }

  /** One command on the current connection: its reply, or undefined when the worker was lost and replaced. */
  async run<T>(what: string, invoke: (api: TabApi) => Promise<Reply<T>>, ms: number): Promise<Reply<T> | undefined> {
    const connection = await withDeadline(this.#current(), ms, what)
    let reply: Reply<T>
    try {
      reply = await withDeadline(invoke(connection.remote), ms, what)
    } catch (error) {
      const e = asRealtimeError(error, 'command-failed')
      if (e.kind === 'host-timeout') this.#recover(connection).catch(noop)
      throw e
    }
    if (reply.instance === connection.instance && (reply.ok || reply.error.kind !== 'not-attached')) return reply
    await this.#recover(connection)
    return undefined
  }

  #current(): Promise<Connection> {
    const state = this.#state
    if (state.name === 'live') return Promise.resolve(state.connection)
    if (state.name === 'connecting') return state.done
    return Promise.reject(notAttached())
  }

  /** Replaces `lost` (null: none, after the bfcache) with a new connection; one recovery at a time. */
  #recover(lost: Connection | null): Promise<Connection> {
    const state = this.#state
    if (state.name === 'connecting') return state.done
    if (state.name === 'live' && state.connection !== lost) return Promise.resolve(state.connection)
    if (state.name === 'detached' || (state.name === 'hidden' && lost !== null)) return Promise.reject(notAttached())
    if (state.name === 'live') state.connection.close()
    const done = this.#reconnect(this.#epoch)
    done.catch(noop)
    this.#state = { name: 'connecting', done }
    return done
  }

  async #reconnect(epoch: number): Promise<Connection> {
    for (let attempt = 0; ; attempt++) {
      const wait = RECOVERY_DELAYS_MS[Math.min(attempt, RECOVERY_DELAYS_MS.length - 1)] ?? 0
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
      if (epoch !== this.#epoch) throw notAttached()
      let connection: Connection | undefined
      try {
        connection = await this.#open()
        await this.#options.memory.replay(connection.remote, connection.instance, this.#options.commandMs)
      } catch {
        connection?.close()
        continue
      }
      if (epoch !== this.#epoch) throw (connection.close(), notAttached())
      this.#live(connection)
      this.#deliver(this.#options.memory.resubscribed())
      return connection
    }
  }

  #open(): Promise<Connection> {
    const config = this.#config
    if (!config) return Promise.reject(notAttached())
    const lockName = `shared-realtime-tab:${this.#tabId}:${++this.#lockSeq}`
    const onMessage = (connection: Connection, data: unknown) => this.#onMessage(connection, data)
    return openConnection({ spawn: this.#options.spawn, tabId: this.#tabId, lockName, config, deadlineMs: this.#options.attachMs, onMessage })
  }

  #onMessage(connection: Connection, data: unknown): void {
    const message = readEvents(data)
    if (!message || connection.closed) return
    if (message.instance !== connection.instance) return void this.#recover(connection).catch(noop)
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

  #pageHide(persisted: boolean): void {
    const state = this.#state
    if (state.name === 'live') void state.connection.remote.goodbye().catch(noop) // no await: the page is leaving
    if (!persisted || (state.name !== 'live' && state.name !== 'connecting')) return
    this.#epoch++
    this.#stopProbe()
    if (state.name === 'live') state.connection.close()
    this.#state = { name: 'hidden' }
  }

  #live(connection: Connection): void {
    this.#state = { name: 'live', connection }
    this.#watchWorker(connection)
    if (this.#probe !== undefined || this.#options.probeMs <= 0) return
    let probing = false
    this.#probe = setInterval(() => {
      if (probing || this.#state.name !== 'live') return
      probing = true
      // a deadline or a stranger's answer starts the recovery inside run()
      this.run('ping', (api) => api.ping(), this.#options.commandMs).then(noop, noop).finally(() => (probing = false))
    }, this.#options.probeMs)
  }

  /**
   * The worker holds a Web Lock named after its instance for its whole life; waiting on it,
   * this tab is granted it the moment that worker dies (killed, crashed) and recovers at once
   * instead of at the next ping.
   */
  #watchWorker(connection: Connection): void {
    const locks = (globalThis.navigator as { locks?: LockManager } | undefined)?.locks
    if (!locks) return
    locks
      .request(workerLockName(connection.instance), () => {
        const state = this.#state
        if (state.name === 'live' && state.connection === connection) void this.#recover(connection).catch(noop)
      })
      .catch(noop)
  }

  #stopProbe(): void {
    clearInterval(this.#probe)
    this.#probe = undefined
  }
}
