// Runs in the worker (a SharedWorker, a dedicated Worker, or in tests the page or Node over a
// MessageChannel): the worker side of the worker hosts. One WorkerHost per worker holds the
// engines (by config) and one record per attached tab: its session, its events port and its
// liveness: the tab's Web Lock, or where there are none (an insecure origin) pings on its
// events port (LIVENESS below). Each connecting port gets its own command surface (`api()`: the COMMANDS
// table of ../protocol.ts, each with its implementation here), exposed with Comlink behind
// guard.ts. Every reply carries the worker's instance id; every argument is checked
// (validate.ts); a throw in one tab's command, sink or port becomes an error reply or a log
// line, never a dead worker.

import * as Comlink from 'comlink'
import {
  type Clock,
  type Engine,
  type EngineEvent,
  type Logger,
  realClock,
  type Session,
  silentLogger,
  type Storage,
  type WebSocketLikeConstructor,
} from '@shared-realtime/engine'
import { EngineRegistry } from '../engines.ts'
import { guardEndpoint } from './guard.ts'
import { withoutOtherTabs } from './snapshot.ts'
import { engineRefusalKind, RealtimeError, type RealtimeErrorData } from '../../errors.ts'
import {
  type Args,
  type Command,
  COMMANDS,
  type EngineConfig,
  type EventsMessage,
  isPong,
  isWarm,
  type PingMessage,
  randomId,
  readAck,
  readVisibility,
  type Reply,
  type Result,
  TAB_PROTOCOL_VERSION,
  type TabApi,
  type TokenProviderFn,
  type WorkerKind,
  workerLockName,
  type WorkerSnapshot,
} from '../protocol.ts'
import * as check from './validate.ts'

/**
 * How the worker tells a dead tab it cannot watch through a Web Lock (decision 66): every `pingMs` it pings each
 * such tab on its events port, and detaches a tab it has heard nothing from (no pong, no ack) for `silenceMs`. A
 * tab that dies is detached 10–20 s later (it was last heard at most `pingMs` before dying; the silence is checked
 * every `pingMs`). A tab closing normally says goodbye on `pagehide` and goes at once.
 */
export const LIVENESS = { pingMs: 5000, silenceMs: 15_000 } as const

/**
 * A hidden tab's batches (decision 81): its events wait up to the `holdMs` it asked for (VisibilityMessage) or until
 * this many are queued, whichever comes first.
 */
export const HIDDEN_BATCH_MAX = 1000

/** The part of the Web Locks API the worker uses. */
export interface LocksLike {
  request(name: string, options: { signal: AbortSignal }, callback: () => unknown): Promise<unknown>
}

export interface WorkerHostOptions {
  kind: WorkerKind
  /** The worker's WebSocket. */
  transport: WebSocketLikeConstructor
  /** Web Locks (navigator.locks). Without them (or for a tab without them) the worker pings the tab (LIVENESS). */
  locks?: LocksLike | undefined
  /** The pings to tabs without a lock. Default LIVENESS. */
  liveness?: { pingMs: number; silenceMs: number }
  /** Where the pings and the release of unused engines wait. Default the real clock. */
  clock?: Clock
  /** Tests: the engines' clock (their timers, the tabs' event batches). Default the real clock. */
  engineClock?: Clock
  /** The worker's `name`, reported by inspect. */
  name?: string
  logger?: Logger
  /** The engines' client id and durable outbox (the entries pass IndexedDB). Without it, durable sends are refused. */
  storage?: Storage
  /** Host 'leader': the tab that owns this worker and since when (inspect() reports it; the tab fills in `self`). */
  leader?: () => { tab: string; since: number } | undefined
}

interface TabRecord {
  readonly tabId: string
  readonly engine: Engine
  readonly session: Session
  readonly events: MessagePort
  readonly lock: AbortController
  readonly watched: boolean
  /** When the tab was last heard on its events port (an ack, a pong); read for tabs not watched. */
  heardAt: number
  provider: Comlink.Remote<TokenProviderFn> | null
}

/** Any error thrown by a command, as the data of its error reply. */
function errorData(error: unknown): RealtimeErrorData {
  if (error instanceof RealtimeError) return error.toData()
  const message = error instanceof Error ? error.message : String(error)
  // arguments are checked before the engine sees them: anything else it throws is its refusal (or a bug)
  const kind = engineRefusalKind(error) ?? 'command-failed'
  return { name: 'RealtimeError', kind, message }
}

/** What each command does, given its checked arguments (a command without a result may return anything). */
type Implementations = {
  [K in Command]: (...args: Args<K>) => Result<K> extends null ? unknown : Result<K> | Promise<Result<K>>
}

function release(provider: Comlink.Remote<TokenProviderFn> | null): void {
  try {
    provider?.[Comlink.releaseProxy]()
  } catch {
    // already released
  }
}

export class WorkerHost {
  /** Random per worker start: a tab seeing another one re-attaches. */
  readonly instance = randomId()
  readonly kind: WorkerKind
  readonly #name: string
  readonly #leader: (() => { tab: string; since: number } | undefined) | undefined
  readonly #registry: EngineRegistry
  readonly #locks: LocksLike | undefined
  readonly #log: Logger
  readonly #tabs = new Map<string, TabRecord>()
  readonly #clock: Clock
  readonly #liveness: { pingMs: number; silenceMs: number }
  /** The ping round's timer: armed while a tab without a lock is attached. */
  #pinging: ReturnType<Clock['setTimeout']> | undefined
  #attaches = 0
  /** Resolves once this worker holds its own lock (tabs wait on it to learn of its death); attach waits for it. */
  readonly #holdsLock: Promise<void>

  constructor(options: WorkerHostOptions) {
    this.kind = options.kind
    this.#name = options.name ?? ''
    this.#leader = options.leader
    this.#locks = options.locks
    this.#log = options.logger ?? silentLogger
    this.#clock = options.clock ?? realClock
    this.#liveness = options.liveness ?? LIVENESS
    // an engine no tab uses goes when its socket would have closed for want of channels: a tab that reloads within
    // that time finds its socket (decision 60), a user who signed out everywhere leaves no socket behind (61)
    this.#registry = new EngineRegistry(options.transport, options.logger, options.storage, {
      releaseAfterMs: (engine) => engine.options.disconnectOnEmptyChannelsAfterMs,
      clock: this.#clock,
      ...(options.engineClock ? { engineClock: options.engineClock } : {}),
    })
    this.#holdsLock = new Promise<void>((held) => {
      if (!this.#locks) return held()
      const forever = new AbortController().signal
      this.#locks
        .request(workerLockName(this.instance), { signal: forever }, () => new Promise<void>(() => held()))
        .catch(() => held())
    })
  }

  /** Exposes a fresh command surface on `endpoint` (a connecting port, or the dedicated worker's self). */
  expose(endpoint: Comlink.Endpoint): void {
    // a dead tab's port never says so (no close event): closed when its lock tells us. Never `self`.
    const port = typeof MessagePort !== 'undefined' && endpoint instanceof MessagePort ? endpoint : undefined
    Comlink.expose(
      this.api(() => port?.close()),
      guardEndpoint(endpoint, this.instance),
    )
  }

  /** The command surface of one port: it acts on the tab that port attached, and on no other. */
  api(closePort: () => void = () => {}): TabApi {
    let mine: TabRecord | undefined
    const tab = (): TabRecord => {
      if (mine && this.#tabs.get(mine.tabId) === mine) return mine
      throw new RealtimeError('not-attached', `this tab is not attached to worker ${this.instance}: attach first`)
    }
    return this.#surface({
      attach: async (config, eventsPort, lockName, _protocol, warm) => {
        await this.#holdsLock
        // the same port again: its previous tab goes. The id is the worker's, and only this port knows it.
        if (mine) this.#detach(mine, 'the port attached again')
        const record = this.#attach(config, eventsPort, lockName, closePort)
        mine = record
        if (warm) this.#warm(record)
        return { instance: this.instance, protocol: TAB_PROTOCOL_VERSION, host: this.kind, tabId: record.tabId }
      },
      subscribe: (subId, topic, spec) => tab().session.subscribe(subId, topic, spec),
      unsubscribe: (subId) => tab().session.unsubscribe(subId),
      send: (subId, payload, timeoutMs, options) => tab().session.send(subId, payload, timeoutMs, options),
      track: (subId, payload) => tab().session.track(subId, payload),
      untrack: (subId) => tab().session.untrack(subId),
      setAuth: (token) => tab().session.setAuth(token),
      setTokenProvider: (provider) => this.#setProvider(tab(), provider),
      connect: () => tab().session.connect(),
      disconnect: () => tab().session.disconnect(),
      sendHeartbeat: () => tab().engine.sendHeartbeat(),
      networkOnline: () => tab().engine.networkOnline(),
      inspect: () => this.#inspect(mine),
      clearDurable: () => tab().engine.clearDurable(),
      detach: () => mine && this.#detach(mine, 'detach'),
      goodbye: () => mine && this.#detach(mine, 'goodbye'),
      ping: tab,
    })
  }

  /**
   * Every command of the table (../protocol.ts COMMANDS) as Comlink will call it: its arguments
   * checked first (validate.ts), then its implementation; its value (null for a command without
   * a result) or its error goes back as a Reply.
   */
  #surface(commands: Implementations): TabApi {
    const api: Record<string, (...raw: unknown[]) => Promise<Reply<unknown>>> = {}
    for (const name of Object.keys(COMMANDS) as Command[]) {
      const run = commands[name] as (...args: unknown[]) => unknown
      const answers = 'result' in COMMANDS[name]
      api[name] = (...raw) =>
        this.#reply(async () => {
          try {
            const value = await run(...check.checkArgs(name, raw))
            return answers ? value : null
          } catch (error) {
            // refused: a port it carried (attach's events port) will never be used
            for (const arg of raw) if (typeof MessagePort !== 'undefined' && arg instanceof MessagePort) arg.close()
            throw error
          }
        })
    }
    return Object.freeze(api) as TabApi
  }

  async #reply<T>(run: () => T | Promise<T>): Promise<Reply<T>> {
    try {
      return { instance: this.instance, ok: true, value: await run() }
    } catch (error) {
      const data = errorData(error)
      if (data.kind !== 'bad-request' && data.kind !== 'not-attached') this.#log.warn(`worker host: ${data.message}`)
      return { instance: this.instance, ok: false, error: data }
    }
  }

  #attach(config: EngineConfig, events: MessagePort, lockName: string, closePort: () => void): TabRecord {
    // a fresh id per attach, never one a tab chose: no port can claim (and so evict, or act for) another's tab.
    // A tab that reattaches on a new port (after a timeout, or back from the bfcache) gets a new id; its old
    // record goes when its lock is released, its goodbye arrives on the old port, or it stops answering pings.
    const tabId = `tab-${++this.#attaches}-${randomId().slice(0, 8)}`
    const engine = this.#registry.engineFor(config)
    const watched = lockName !== '' && this.#locks !== undefined
    const record: TabRecord = {
      tabId,
      engine,
      // eager: the sink only posts to the tab's thread, so an event that finds the queue idle goes at once
      session: engine.attach(tabId, (batch) => this.#deliver(tabId, events, batch), { eager: true }),
      events,
      lock: new AbortController(),
      watched,
      heardAt: this.#clock.now(),
      provider: null,
    }
    this.#tabs.set(tabId, record)
    events.addEventListener('message', (event: MessageEvent) => {
      record.heardAt = this.#clock.now()
      if (isPong(event.data)) return
      if (isWarm(event.data)) return this.#warm(record)
      const visibility = readVisibility(event.data)
      if (visibility === 'malformed') return this.#log.warn(`worker host: tab ${tabId} sent a malformed visibility`)
      if (visibility) return this.#hold(record, visibility.hidden ? visibility.holdMs : 0)
      const n = readAck(event.data)
      if (n === undefined) return this.#log.warn(`worker host: tab ${tabId} sent a malformed ack`)
      try {
        record.session.ack(n)
      } catch (error) {
        this.#log.error('worker host: ack failed', error)
      }
    })
    events.start()
    // the tab holds this lock for its whole life: it is granted to us when the tab is gone
    if (watched) {
      const gone = () => {
        this.#detach(record, 'the tab is gone')
        closePort() // one lock per connection: its port is dead too
      }
      this.#locks?.request(lockName, { signal: record.lock.signal }, gone).catch(() => {})
    } else if (this.kind !== 'worker') {
      // (a dedicated worker dies with its one tab: nothing to ping; a leader's serves many tabs, like a SharedWorker)
      this.#armPings()
    }
    return record
  }

  #armPings(): void {
    if (this.#pinging !== undefined) return
    this.#pinging = this.#clock.setTimeout(() => this.#pingRound(), this.#liveness.pingMs)
  }

  /** Detaches the unwatched tabs silent for too long and pings the others; re-arms while any is left. */
  #pingRound(): void {
    this.#pinging = undefined
    const now = this.#clock.now()
    let left = false
    for (const record of this.#tabs.values()) {
      if (record.watched) continue
      if (now - record.heardAt >= this.#liveness.silenceMs) {
        // its command port stays open: a tab that was only frozen gets not-attached at its next command and
        // recovers at once (a dead tab's port is left as a goodbye leaves it)
        this.#detach(record, `no answer for ${now - record.heardAt} ms`)
        continue
      }
      left = true
      try {
        // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
        record.events.postMessage({ instance: this.instance, ping: true } satisfies PingMessage)
      } catch (error) {
        this.#log.error(`worker host: could not ping tab ${record.tabId}`, error)
      }
    }
    if (left) this.#armPings()
  }

  /** The tab is about to subscribe: its engine's socket opens now (WarmMessage). */
  #warm(record: TabRecord): void {
    try {
      record.session.warm()
    } catch (error) {
      this.#log.error('worker host: warm failed', error)
    }
  }

  /** A hidden tab's events wait up to `ms` (0: the tab is visible, they go at once). */
  #hold(record: TabRecord, ms: number): void {
    try {
      record.session.queue.hold(ms > 0 ? { ms, max: HIDDEN_BATCH_MAX } : undefined)
    } catch (error) {
      this.#log.error('worker host: hold failed', error)
    }
  }

  /** (Its first event, the engine's state, goes while the tab's record is being made: the record is not read.) */
  #deliver(tabId: string, port: MessagePort, events: EngineEvent[]): void {
    try {
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
      port.postMessage({ instance: this.instance, events } satisfies EventsMessage)
    } catch (error) {
      // a batch that cannot be cloned is dropped and acknowledged, so the tab's queue moves on
      this.#log.error(`worker host: a batch for tab ${tabId} could not be posted`, error)
      this.#tabs.get(tabId)?.session.ack(events.length)
    }
  }

  #setProvider(record: TabRecord, provider: TokenProviderFn | null): void {
    release(record.provider)
    record.provider = provider as Comlink.Remote<TokenProviderFn> | null
    // the engine calls it with its own deadline: a dead tab's proxy never answers. An answer
    // that cannot be a token is refused as setAuth refuses it (the engine then asks the next
    // provider, or keeps the current token): it would break every tab's channels.
    record.session.setTokenProvider(
      provider
        ? async () => {
            const token = await provider()
            return typeof token === 'string' ? check.checkToken(token) : token
          }
        : null,
    )
  }

  #detach(record: TabRecord, why: string): void {
    if (this.#tabs.get(record.tabId) !== record) return
    this.#tabs.delete(record.tabId)
    this.#log.debug(`worker host: tab ${record.tabId} detached (${why})`)
    try {
      record.session.detach()
    } catch (error) {
      this.#log.error('worker host: detach failed', error)
    }
    record.lock.abort()
    record.events.close()
    release(record.provider)
    record.provider = null
    this.#registry.release(record.engine)
  }

  /** How many engines (sockets) this worker holds: one per config and identity in use, or released not yet. */
  get engineCount(): number {
    return this.#registry.engines.length
  }

  /** This tab's view: its own session by id; the other tabs only as counts (their ids never leave the worker). */
  #inspect(mine: TabRecord | undefined): WorkerSnapshot {
    const attached = mine && this.#tabs.get(mine.tabId) === mine ? mine : undefined
    const leader = this.#leader?.()
    return {
      ...(leader ? { leader: { ...leader, self: false } } : {}),
      host: this.kind,
      instance: this.instance,
      name: this.#name,
      protocol: TAB_PROTOCOL_VERSION,
      engine: attached && withoutOtherTabs(attached.engine.inspect(), attached.tabId),
      tab: attached
        ? {
            id: attached.tabId,
            subscriptions: attached.session.subscriptions.size,
            watched: attached.watched,
            holdMs: attached.session.queue.held?.ms ?? 0,
          }
        : null,
      tabCount: this.#tabs.size,
      engineCount: this.#registry.engines.length,
      tabs: [...this.#tabs.values()].map((r) => ({
        id: r === attached ? r.tabId : null,
        subscriptions: r.session.subscriptions.size,
        watched: r.watched,
      })),
    }
  }
}
