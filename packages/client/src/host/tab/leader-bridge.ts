// Runs in the tab (host 'leader', decision 78; docs/leader-host.md). The relay between a follower tab's link and the
// leader tab's worker, over BroadcastChannel:
// - A follower's Supervisor gets a RelayedSpawn (a WorkerSpawn) whose endpoint carries Comlink's messages to the
//   leader tab, tagged with the follower's tab id and a random connection id. MessagePorts cannot cross a
//   BroadcastChannel: each port in a command's transfer list (attach's events port, the token provider's port) is
//   replaced by a virtual port number, the follower keeps the port and relays its messages both ways.
// - The leader's LeaderServer opens one real MessagePort to its worker per follower connection (the worker serves it
//   as the SharedWorker serves a tab's port) and, for each virtual port, a real MessageChannel whose far end it gives
//   the worker in the command, relaying both ways.
// Every message that arrives on a channel is validated (readRelayMessage); anything else is counted and dropped.
// The WorkerHost behind it is unchanged: same commands, deadlines, per-tab ordering, batching, acks and `gap` rule.

import type { Endpoint } from 'comlink'
import { isRecord } from '@shared-realtime/protocol'
import { randomId } from '../protocol.ts'
import type { WorkerSpawn } from './spawn.ts'

/** The key of a virtual port in a relayed command (where the MessagePort was). */
export const VPORT = '__sharedRealtimePort'

/** Limits that keep a misbehaving (or forged) follower from costing the leader much. */
export const RELAY_LIMITS = { connectionsPerTab: 16, connections: 512, portsPerConnection: 8 } as const

/** `up`: from a follower to the leader (else the leader's answer): one tab may be both ends (the leader's own). */
export type RelayMessage = { up: boolean; from: string; conn: string } & (
  | { type: 'open' }
  | { type: 'opened' }
  | { type: 'close'; reason?: string }
  | { type: 'msg'; port: number; data: unknown }
)

const isId = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 100

/** A relay message, or undefined when `data` is not one (another app's message, garbage, a forged shape). */
export function readRelayMessage(data: unknown): RelayMessage | undefined {
  if (!isRecord(data) || !isId(data.from) || !isId(data.conn) || typeof data.up !== 'boolean') return undefined
  const { from, conn, up } = data
  switch (data.type) {
    case 'open':
    case 'opened':
      return { type: data.type, up, from, conn }
    case 'close':
      return typeof data.reason === 'string'
        ? { type: 'close', up, from, conn, reason: data.reason }
        : { type: 'close', up, from, conn }
    case 'msg': {
      const port = data.port
      if (typeof port !== 'number' || !Number.isSafeInteger(port) || port < 0 || port > RELAY_LIMITS.portsPerConnection)
        return undefined
      return { type: 'msg', up, from, conn, port, data: data.data }
    }
    default:
      return undefined
  }
}

/**
 * The Comlink argument values that are MessagePorts (the only places a tab's commands carry one), replaced by
 * virtual port numbers from `next`; returns the message to relay and the ports it replaced, by number.
 */
export function encodePorts(data: unknown, next: () => number): { data: unknown; ports: Map<number, MessagePort> } {
  const ports = new Map<number, MessagePort>()
  if (!isRecord(data) || !Array.isArray(data.argumentList)) return { data, ports }
  const argumentList = data.argumentList.map((arg: unknown) => {
    if (!isRecord(arg) || !(arg.value instanceof MessagePort)) return arg
    const n = next()
    ports.set(n, arg.value)
    return { ...arg, value: { [VPORT]: n } }
  })
  return { data: { ...data, argumentList }, ports }
}

/**
 * The virtual ports of a relayed command made real: each gets `make(n)`'s port (the far end of a channel the leader
 * relays); returns the command with them and its transfer list. Undefined when a virtual port is malformed.
 */
export function decodePorts(
  data: unknown,
  make: (n: number) => MessagePort | undefined,
): { data: unknown; transfer: MessagePort[] } | undefined {
  if (!isRecord(data) || !Array.isArray(data.argumentList)) return { data, transfer: [] }
  const transfer: MessagePort[] = []
  const argumentList: unknown[] = []
  for (const arg of data.argumentList as unknown[]) {
    if (!isRecord(arg) || !isRecord(arg.value) || !(VPORT in arg.value)) {
      argumentList.push(arg)
      continue
    }
    const n = arg.value[VPORT]
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > RELAY_LIMITS.portsPerConnection)
      return undefined
    const port = make(n)
    if (!port) return undefined
    transfer.push(port)
    argumentList.push({ ...arg, value: port })
  }
  return { data: { ...data, argumentList }, transfer }
}

/** Where a relay message goes: to tab `to` (a BroadcastChannel named for it, or this tab itself). */
export type Send = (to: string, message: RelayMessage) => void

type Listener = EventListenerOrEventListenerObject

/** A Comlink endpoint whose messages are dispatched from the relay. */
class RelayEndpoint extends EventTarget implements Endpoint {
  readonly #post: (message: unknown, transfer: Transferable[]) => void

  constructor(post: (message: unknown, transfer: Transferable[]) => void) {
    super()
    this.#post = post
  }

  postMessage(message: unknown, transfer: Transferable[] = []): void {
    this.#post(message, transfer)
  }

  override addEventListener(type: string, listener: Listener | null, options?: object): void {
    super.addEventListener(type, listener, options)
  }

  start(): void {}
}

/**
 * A follower's connection to the leader's worker, as a WorkerSpawn for its Supervisor. It is opened on the leader it
 * is aimed at (aim()); what the tab posts before the leader answered `opened` waits, in order. `failed` resolves when
 * the leader closes it (it stepped down, or its worker could not start).
 */
export class RelayedSpawn implements WorkerSpawn {
  readonly conn = randomId()
  readonly endpoint: RelayEndpoint
  readonly failed: Promise<Error>
  /** The leader closed this connection after it opened (WorkerSpawn.closed). */
  readonly closed: Promise<void>
  #closed!: () => void
  readonly #self: string
  readonly #send: Send
  readonly #onDispose: (spawn: RelayedSpawn) => void
  readonly #onRefused: (spawn: RelayedSpawn, by: string) => void
  #fail!: (error: Error) => void
  #target: string | undefined
  #opened = false
  #disposed = false
  readonly #waiting: unknown[] = []
  readonly #ports = new Map<number, MessagePort>()
  #nextPort = 0

  /** `onRefused`: a tab that does not lead (any more) refused the open; aim() it at the leader once known. */
  constructor(
    self: string,
    send: Send,
    onDispose: (spawn: RelayedSpawn) => void,
    onRefused: (spawn: RelayedSpawn, by: string) => void,
  ) {
    this.#self = self
    this.#send = send
    this.#onDispose = onDispose
    this.#onRefused = onRefused
    this.failed = new Promise((resolve) => (this.#fail = resolve))
    this.closed = new Promise((resolve) => (this.#closed = resolve))
    this.endpoint = new RelayEndpoint((message, transfer) => this.#post(message, transfer))
  }

  get target(): string | undefined {
    return this.#target
  }

  get opened(): boolean {
    return this.#opened
  }

  /**
   * Opens on `leader` (a new leader, before `opened`: the open goes there instead). An opened connection runs through
   * a tab that no longer leads (it crashed without Web Locks to tell, or was frozen and deposed): it is closed, as if
   * that tab had closed it, so the Supervisor recovers to `leader` now instead of at a deadline or its probe.
   */
  aim(leader: string): void {
    if (this.#disposed || this.#target === leader) return
    if (this.#opened) {
      this.#fail(new Error(`tab ${leader} leads now, not ${this.#target}`))
      this.#closed()
      return this.dispose()
    }
    this.#target = leader
    this.#send(leader, { type: 'open', up: true, from: this.#self, conn: this.conn })
  }

  /** A relay message for this connection, from tab `from`. */
  receive(message: RelayMessage): void {
    if (this.#disposed || message.up || message.from !== this.#target) return
    switch (message.type) {
      case 'opened': {
        if (this.#opened) return
        this.#opened = true
        for (const data of this.#waiting.splice(0)) this.#relay(0, data)
        return
      }
      case 'close':
        if (!this.#opened) {
          this.#target = undefined
          return this.#onRefused(this, message.from)
        }
        this.#fail(new Error(`the leader tab closed the connection${message.reason ? `: ${message.reason}` : ''}`))
        this.#closed()
        return this.dispose()
      case 'msg': {
        if (!this.#opened) return
        if (message.port === 0)
          return void this.endpoint.dispatchEvent(new MessageEvent('message', { data: message.data }))
        try {
          // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
          this.#ports.get(message.port)?.postMessage(message.data)
        } catch {
          // the port is closed: its messages have nowhere to go
        }
        return
      }
      case 'open':
        return
    }
  }

  dispose(): void {
    if (this.#disposed) return
    this.#disposed = true
    if (this.#target) this.#send(this.#target, { type: 'close', up: true, from: this.#self, conn: this.conn })
    for (const port of this.#ports.values()) port.close()
    this.#ports.clear()
    this.#onDispose(this)
  }

  #post(message: unknown, _transfer: Transferable[]): void {
    if (this.#disposed) return
    const { data, ports } = encodePorts(message, () => ++this.#nextPort)
    for (const [n, port] of ports) {
      this.#ports.set(n, port)
      port.addEventListener('message', (event: MessageEvent) => this.#relay(n, event.data))
      port.start()
    }
    if (this.#opened) this.#relay(0, data)
    else this.#waiting.push(data)
  }

  #relay(port: number, data: unknown): void {
    if (this.#disposed || !this.#target) return
    this.#send(this.#target, { type: 'msg', up: true, from: this.#self, conn: this.conn, port, data })
  }
}

interface Served {
  readonly from: string
  readonly conn: string
  /** The real port to the worker (virtual port 0). */
  readonly worker: MessagePort
  readonly ports: Map<number, MessagePort>
}

/**
 * The leader tab's side: one real port to its worker per follower connection, and one MessageChannel per virtual
 * port. `connect(port)` hands a port to the worker (its `{ type: 'connect' }` message).
 */
export class LeaderServer {
  readonly #self: string
  readonly #send: Send
  readonly #connect: (port: MessagePort) => void
  readonly #served = new Map<string, Served>()
  /** Relay messages refused (unknown connection, over a limit, a malformed virtual port). */
  dropped = 0
  /** Why the worker cannot serve (it failed to start): every open is then closed with it. */
  #failed: string | undefined

  constructor(self: string, send: Send, connect: (port: MessagePort) => void) {
    this.#self = self
    this.#send = send
    this.#connect = connect
  }

  get connections(): number {
    return this.#served.size
  }

  receive(message: RelayMessage): void {
    if (!message.up) return void this.dropped++
    const key = `${message.from} ${message.conn}`
    const served = this.#served.get(key)
    switch (message.type) {
      case 'open':
        if (served) return this.#reply(served.from, served.conn, { type: 'opened' })
        return this.#open(message.from, message.conn, key)
      case 'msg':
        if (!served) {
          this.dropped++
          // a connection this leader does not know (it was opened on another one): the follower recovers
          return this.#reply(message.from, message.conn, { type: 'close', reason: 'unknown connection' })
        }
        return this.#forward(served, message.port, message.data)
      case 'close':
        if (served) this.#close(key, served)
        return
      case 'opened':
        this.dropped++
        return
    }
  }

  /** The worker failed: every connection, open or opened later, is closed with `reason` (the attaches fail fast). */
  fail(reason: string): void {
    this.#failed = reason
    this.closeAll(reason)
  }

  /** Closes every connection (the leader steps down): each follower hears `close` and recovers. */
  closeAll(reason: string): void {
    for (const [key, served] of this.#served) {
      this.#reply(served.from, served.conn, { type: 'close', reason })
      this.#close(key, served)
    }
  }

  #reply(to: string, conn: string, message: { type: 'opened' } | { type: 'close'; reason: string }): void {
    this.#send(to, { ...message, up: false, from: this.#self, conn })
  }

  #open(from: string, conn: string, key: string): void {
    if (this.#failed !== undefined) {
      // opened, then closed: the follower's attach fails with the reason (a refused open would be retried elsewhere)
      this.#reply(from, conn, { type: 'opened' })
      return this.#reply(from, conn, { type: 'close', reason: this.#failed })
    }
    let mine = 0
    for (const served of this.#served.values()) if (served.from === from) mine++
    if (mine >= RELAY_LIMITS.connectionsPerTab || this.#served.size >= RELAY_LIMITS.connections) {
      this.dropped++
      this.#reply(from, conn, { type: 'opened' })
      return this.#reply(from, conn, { type: 'close', reason: 'too many connections' })
    }
    const { port1, port2 } = new MessageChannel()
    const served: Served = { from, conn, worker: port1, ports: new Map() }
    this.#served.set(key, served)
    port1.addEventListener('message', (event: MessageEvent) => this.#relay(served, 0, event.data))
    port1.start()
    this.#connect(port2)
    this.#reply(from, conn, { type: 'opened' })
  }

  #forward(served: Served, port: number, data: unknown): void {
    try {
      if (port !== 0) {
        const target = served.ports.get(port)
        if (!target) return void this.dropped++
        // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
        return target.postMessage(data)
      }
      const decoded = decodePorts(data, (n) => {
        if (served.ports.has(n)) return undefined
        const { port1, port2 } = new MessageChannel()
        served.ports.set(n, port1)
        port1.addEventListener('message', (event: MessageEvent) => this.#relay(served, n, event.data))
        port1.start()
        return port2
      })
      if (!decoded) return void this.dropped++
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
      served.worker.postMessage(decoded.data, decoded.transfer)
    } catch {
      this.dropped++
    }
  }

  #relay(served: Served, port: number, data: unknown): void {
    if (this.#served.get(`${served.from} ${served.conn}`) !== served) return
    try {
      this.#send(served.from, { type: 'msg', up: false, from: this.#self, conn: served.conn, port, data })
    } catch {
      this.dropped++
    }
  }

  #close(key: string, served: Served): void {
    this.#served.delete(key)
    served.worker.close()
    for (const port of served.ports.values()) port.close()
  }
}
