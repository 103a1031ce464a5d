// Runs in the tab: the leader host (host 'leader', DESIGN.md rule 11, decision 78, docs/leader-host.md), a chunk of
// its own loaded only by a tab that tries it (select.ts). Where the browser has no SharedWorker, the origin's tabs
// elect a leader (leader-election.ts: Web Locks, else a lease over BroadcastChannel); the leader runs the engine in a
// dedicated Worker it owns (../worker/leader-worker-entry.ts, the WorkerHost unchanged) and relays the other tabs'
// connections to it (leader-bridge.ts). Every tab's link is a WorkerLink: its Supervisor recovers from a lost leader
// exactly as from a lost SharedWorker (the worker's life-lock, deadlines, pings), to whichever tab leads next.
//
// One LeaderNode per page (every client of the page shares it). Its messages:
// - control channel CONTROL_CHANNEL (every tab): `leader {tab, since}` (announced when elected and in answer to
//   `who`), `who {tab}`, and the lease election's messages where Web Locks are missing.
// - inbox channel `${CONTROL_CHANNEL}:<tab>` (one per tab): the relay messages of leader-bridge.ts.
// A frozen leader (it holds the lead but answers nothing): a follower whose open gets no `opened` within OPEN_MS
// asks `who`; with no word from the leader within ANSWER_MS it takes over (a steal of the lock, or a claim of the
// next lease term). The old leader, when it runs again, hears it was deposed: it closes its relayed connections,
// terminates its worker and follows (its own link recovers to the new leader).

import type { Logger } from '@shared-realtime/engine'
import { isRecord } from '@shared-realtime/protocol'
import { LEADER_WORKER_NAME, randomId, TAB_PROTOCOL_VERSION } from '../protocol.ts'
import { type Election, type ElectionLocks, LeaseElection, LockElection, readLeaseMessage } from './leader-election.ts'
import { LeaderServer, readRelayMessage, type RelayMessage, RelayedSpawn } from './leader-bridge.ts'
import { spawnLeaderWorker } from './leader-spawn.ts'
import type { WorkerSpawn } from './spawn.ts'
import { failure, scriptUrl } from './spawn-failure.ts'

/** The control channel's and the election lock's name, versioned (tabs of another build elect their own leader). */
export const CONTROL_CHANNEL = `shared-realtime-leader-v${TAB_PROTOCOL_VERSION}`
/** A tab's inbox channel, under the control channel `control`. */
export const inboxOf = (tab: string, control = CONTROL_CHANNEL): string => `${control}:${tab}`

/**
 * The control channel (and election lock) of the tabs whose leader runs `workerUrl`: tabs of one origin that pass
 * another worker script elect their own leader, as a SharedWorker is one per script URL.
 */
export const controlOf = (workerUrl: string | URL | undefined): string =>
  workerUrl === undefined ? CONTROL_CHANNEL : `${CONTROL_CHANNEL}@${new URL(workerUrl, location.href).href}`

/** How long a follower waits for the leader's `opened`, then for any word after `who`, before it takes over. */
export const OPEN_MS = 1500
export const ANSWER_MS = 1500
/** With no leader heard of this long after starting (a lock held by a tab that never answers): take over. */
export const NO_LEADER_MS = 3000

/** Which tab leads, as the node knows it. */
export interface Leadership {
  tab: string
  since: number
}

export class LeaderNode {
  readonly tab = randomId()
  readonly #log: Logger | undefined
  readonly #workerUrl: string | URL | undefined
  /** The control channel's name (also the election lock's): controlOf(workerUrl). */
  readonly channel: string
  readonly #control: BroadcastChannel
  readonly #inbox: BroadcastChannel
  readonly #outboxes = new Map<string, BroadcastChannel>()
  #election: Election
  /** Out of the election while the page is frozen or in the back/forward cache. */
  #paused = false
  readonly #spawns = new Map<string, RelayedSpawn>()
  #leader: Leadership | undefined
  #heardAt = 0
  #worker: Worker | undefined
  #workerFailed: Promise<Error> | undefined
  #server: LeaderServer | undefined
  #suspecting: string | undefined
  /** This tab's leader worker failed to start: its clients fail at once (and fall back to the next host). */
  #broken: Error | undefined
  /** Messages on the channels that were not ours or were malformed: counted, dropped. */
  #dropped = 0

  constructor(logger?: Logger, workerUrl?: string | URL) {
    this.#log = logger
    this.#workerUrl = workerUrl
    this.channel = controlOf(workerUrl)
    this.#control = new BroadcastChannel(this.channel)
    this.#inbox = new BroadcastChannel(inboxOf(this.tab, this.channel))
    this.#control.addEventListener('message', (event) => this.#onControl(event.data))
    this.#inbox.addEventListener('message', (event) => this.#onInbox(event.data))
    this.#election = this.#newElection()
    this.#election.start(this.#electionEvents)
    this.#say({ type: 'who', tab: this.tab })
    // a lock held by a tab that never answers (frozen since before we came): take over
    setTimeout(() => {
      if (!this.#leader && !this.#paused) this.#election.takeOver()
    }, NO_LEADER_MS)
    // a leader that closes lets go at once (the lock goes with the page anyway; the lease election: its `resign`). A
    // page about to be frozen (a background tab on Android) or put in the back/forward cache leaves the election, and
    // steps down if it leads: a live tab then leads at once, instead of the others waiting out a frozen leader
    addEventListener('pagehide', (event: PageTransitionEvent) =>
      event.persisted ? this.#pause('the page went into the back/forward cache') : this.#election.stop(),
    )
    addEventListener('pageshow', (event: PageTransitionEvent) => event.persisted && this.#resume())
    globalThis.document?.addEventListener('freeze', () => this.#pause('the page is being frozen'))
    globalThis.document?.addEventListener('resume', () => this.#resume())
  }

  readonly #electionEvents = {
    elected: () => this.#elected(),
    deposed: () => this.#stepDown('another tab took over'),
  }

  #newElection(): Election {
    const locks = (globalThis.navigator as { locks?: ElectionLocks } | undefined)?.locks
    if (locks) return new LockElection(locks, this.channel)
    const bus = {
      post: (message: object) => this.#say({ ...message, election: 'lease' }),
      listen: (receive: (data: unknown) => void) => {
        const listener = (event: MessageEvent) => {
          if (isRecord(event.data) && event.data.election === 'lease') receive(event.data)
        }
        this.#control.addEventListener('message', listener)
        return () => this.#control.removeEventListener('message', listener)
      },
    }
    return new LeaseElection(bus, this.tab)
  }

  /** Leaves the election (the page is frozen or cached); a leader steps down. */
  #pause(why: string): void {
    if (this.#paused) return
    this.#paused = true
    const leading = this.leading
    this.#election.stop()
    if (leading) this.#stepDown(why)
  }

  /** Back from a freeze or the cache: a candidate again. */
  #resume(): void {
    if (!this.#paused || this.#broken) return
    this.#paused = false
    this.#election = this.#newElection()
    this.#election.start(this.#electionEvents)
    this.#say({ type: 'who', tab: this.tab })
  }

  /** Which tab leads (as far as this tab knows). */
  get leader(): Leadership | undefined {
    return this.#leader
  }

  get leading(): boolean {
    return this.#leader?.tab === this.tab
  }

  /** Messages dropped: malformed or foreign ones on the channels, refused relay messages. */
  get dropped(): number {
    return this.#dropped + (this.#server?.dropped ?? 0) + ((this.#election as { dropped?: number }).dropped ?? 0)
  }

  /** A connection to the leader's worker for a Supervisor: direct on the leader, relayed elsewhere. */
  spawn(): WorkerSpawn {
    const broken = this.#broken
    if (broken) return { endpoint: new MessageChannel().port1, failed: Promise.resolve(broken), dispose: () => {} }
    const worker = this.#worker
    if (this.leading && worker && this.#workerFailed) {
      const { port1, port2 } = new MessageChannel()
      post(worker, { type: 'connect' }, [port2])
      return { endpoint: port1, failed: this.#workerFailed, dispose: () => port1.close() }
    }
    const spawn = new RelayedSpawn(
      this.tab,
      (to, message) => this.#send(to, message),
      (s) => this.#spawns.delete(s.conn),
      (s, by) => {
        if (this.#leader && this.#leader.tab !== by) return this.#aim(s, this.#leader.tab)
        if (this.#leader?.tab === by) this.#leader = undefined
        this.#say({ type: 'who', tab: this.tab })
      },
    )
    this.#spawns.set(spawn.conn, spawn)
    if (this.#leader) this.#aim(spawn, this.#leader.tab)
    return spawn
  }

  #aim(spawn: RelayedSpawn, leader: string): void {
    spawn.aim(leader)
    if (leader === this.tab) return
    setTimeout(() => {
      if (!spawn.opened && spawn.target === leader && this.#spawns.has(spawn.conn)) this.#suspect(leader)
    }, OPEN_MS)
  }

  /** The leader did not answer an open: ask it; still nothing within ANSWER_MS, take over. */
  #suspect(leader: string): void {
    if (this.#suspecting === leader || this.#leader?.tab !== leader) return
    this.#suspecting = leader
    const asked = Date.now()
    this.#say({ type: 'who', tab: this.tab })
    setTimeout(() => {
      this.#suspecting = undefined
      if (this.#leader?.tab !== leader || this.#heardAt >= asked) return
      this.#log?.warn(`shared-realtime: leader tab ${leader} does not answer; taking over`)
      this.#election.takeOver()
    }, ANSWER_MS)
  }

  #elected(): void {
    const since = Date.now()
    this.#leader = { tab: this.tab, since }
    this.#heardAt = since
    const worker = spawnLeaderWorker(this.#workerUrl)
    this.#worker = worker
    // an error event before the worker said `ready` is a start failure; after it, an uncaught error in the worker
    // (logged in its console), which must not end the leader host for this page
    let ready = false
    worker.addEventListener('message', (event: MessageEvent) => {
      if (isRecord(event.data) && event.data.type === 'ready') ready = true
    })
    this.#workerFailed = failure(worker, "leader tab's Worker", scriptUrl(this.#workerUrl)).then((error) =>
      ready ? new Promise<Error>(() => {}) : error,
    )
    const server = new LeaderServer(
      this.tab,
      (to, message) => this.#send(to, message),
      (port) => post(worker, { type: 'connect' }, [port]),
    )
    this.#server = server
    // a worker that cannot start: every relayed connection is closed, so the followers' attaches fail (and fall back)
    // and this tab stops leading: a tab whose worker does start (another build's URL, another page) may lead instead
    void this.#workerFailed.then((error) => {
      if (this.#server !== server) return
      this.#log?.warn(`shared-realtime: this tab stops leading: ${error.message}`)
      server.fail(error.message)
      this.#broken = error
      this.#election.stop()
      this.#leader = undefined
    })
    post(worker, { type: 'leader', tab: this.tab, since })
    this.#log?.debug(`shared-realtime: this tab leads (worker ${LEADER_WORKER_NAME})`)
    this.#announce()
    for (const spawn of this.#spawns.values()) this.#aim(spawn, this.tab)
  }

  /** This tab no longer leads: its relayed connections close, its worker goes (its own link recovers, too). */
  #stepDown(why: string): void {
    this.#log?.warn(`shared-realtime: this tab no longer leads (${why})`)
    this.#server?.closeAll('the leader stepped down')
    this.#server = undefined
    this.#worker?.terminate()
    this.#worker = undefined
    this.#workerFailed = undefined
    if (this.#leader?.tab === this.tab) this.#leader = undefined
    this.#say({ type: 'who', tab: this.tab })
  }

  /** A message to every tab, on the control channel. */
  #say(message: unknown): void {
    post(this.#control, message)
  }

  #announce(): void {
    if (this.#leader && this.leading) this.#say({ type: 'leader', ...this.#leader })
  }

  #send(to: string, message: RelayMessage): void {
    if (to === this.tab) return queueMicrotask(() => this.#onInbox(message))
    let outbox = this.#outboxes.get(to)
    if (!outbox) {
      outbox = new BroadcastChannel(inboxOf(to, this.channel))
      this.#outboxes.set(to, outbox)
      // a tab's outboxes: the leader's and the followers' it answers; those of tabs gone are closed with their close
    }
    post(outbox, message)
    if (message.type === 'close' && to !== this.#leader?.tab) {
      outbox.close()
      this.#outboxes.delete(to)
    }
  }

  #onControl(data: unknown): void {
    if (isRecord(data) && data.election === 'lease') {
      // the lease election's own (it validates them); it also says a tab is alive
      const lease = readLeaseMessage(data)
      if (lease && lease.tab === this.#leader?.tab) this.#heardAt = Date.now()
      return
    }
    if (!isRecord(data) || typeof data.tab !== 'string' || data.tab.length === 0 || data.tab.length > 100) {
      return void this.#dropped++
    }
    if (data.type === 'who') return this.#announce()
    if (data.type !== 'leader' || typeof data.since !== 'number' || !Number.isFinite(data.since)) {
      return void this.#dropped++
    }
    if (data.tab === this.tab) return void this.#dropped++ // a forged copy of our own id
    if (this.leading) {
      // two leaders for a moment (a frozen one resuming after a steal, two lease terms): the election deposes one, and
      // its `deposed` makes it follow. Not answered here: two leaders answering each other would never stop
      return
    }
    const changed = this.#leader?.tab !== data.tab
    this.#leader = { tab: data.tab, since: data.since }
    this.#heardAt = Date.now()
    for (const spawn of this.#spawns.values()) if (changed || spawn.target === undefined) this.#aim(spawn, data.tab)
  }

  #onInbox(data: unknown): void {
    const message = readRelayMessage(data)
    if (!message) return void this.#dropped++
    if (message.from === this.#leader?.tab) this.#heardAt = Date.now()
    if (message.up) {
      // for the leader: a follower's connection
      if (this.#server) return this.#server.receive(message)
      if (message.type === 'open') {
        // not (or no longer) the leader: the follower reopens on the one it hears of next
        const reason = 'not the leader'
        return this.#send(message.from, { type: 'close', up: false, from: this.tab, conn: message.conn, reason })
      }
      return void this.#dropped++
    }
    const spawn = this.#spawns.get(message.conn)
    if (!spawn) return void this.#dropped++
    spawn.receive(message)
  }
}

/** A message to a BroadcastChannel or a Worker (neither takes a target origin). */
function post(target: BroadcastChannel | Worker, message: unknown, transfer: Transferable[] = []): void {
  // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a BroadcastChannel or a Worker, not a window
  if (target instanceof BroadcastChannel) target.postMessage(message)
  // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a Worker, not a window
  else target.postMessage(message, transfer)
}

const nodes = new Map<string, LeaderNode>()

/** This page's node (one for every client of the page; one per `workerUrl` where clients pass several). */
export function leaderNode(logger?: Logger, workerUrl?: string | URL): LeaderNode {
  const key = String(workerUrl ?? '')
  let node = nodes.get(key)
  if (!node) nodes.set(key, (node = new LeaderNode(logger, workerUrl)))
  return node
}
