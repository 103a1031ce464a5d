// Runs in the tab. One live connection of a tab to a worker: the tab's Web Lock (liveness,
// locks.ts), the worker (spawn.ts), the remote for commands (Comlink's protocol, tab-rpc.ts)
// and the raw MessagePort for events, acknowledged in bulk (and pings answered: a worker that
// cannot watch the tab's lock pings it there, worker-host.ts LIVENESS). Opening one attaches the tab;
// closing one lets go of all of it at once and never waits for the worker (which may be
// dead: the attach runs under a deadline, deadline.ts). A hidden tab says so on the events port
// (VisibilityMessage: the worker then batches its events, decision 81) and acknowledges each batch
// at once instead of arming a timer: a hidden tab wakes once per batch, not twice.

import type { Clock } from '@shared-realtime/engine'
import type { EngineConfig } from '../protocol.ts'
import type { TabApi } from '../protocol.ts'
import type { Spawner, WorkerSpawn } from './spawn.ts'
import { withDeadline } from './deadline.ts'
import { type HeldLock, holdLock } from './locks.ts'
import { transfer, wrap } from './tab-rpc.ts'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import { type AckMessage, isPing, type PongMessage, TAB_PROTOCOL_VERSION, type VisibilityMessage } from '../protocol.ts'

/**
 * Acks are coalesced: one message per ACK_BATCH events, or ACK_DELAY_MS after the first event not yet
 * acknowledged. Posting one per batch cost the tab a postMessage (~35 µs of main thread) per event at
 * 1k msg/s, where batches hold one event each (bench: `npm run bench -- --profile --only latency`).
 * Both stay far below the worker's queue bound (10 000 events), so flow control is unchanged: a tab
 * that stops running stops acknowledging.
 */
export const ACK_BATCH = 256
export const ACK_DELAY_MS = 50

export class Connection {
  readonly remote: TabApi
  readonly instance: string
  readonly #events: MessagePort
  readonly #spawn: WorkerSpawn
  readonly #lock: HeldLock
  #closed = false
  #pendingAcks = 0
  #ackTimer: ReturnType<typeof setTimeout> | undefined
  /** The hold the worker was told (VisibilityMessage); 0: visible. */
  #holdMs: number

  constructor(remote: TabApi, instance: string, events: MessagePort, spawn: WorkerSpawn, lock: HeldLock, holdMs = 0) {
    this.remote = remote
    this.instance = instance
    this.#events = events
    this.#spawn = spawn
    this.#lock = lock
    this.#holdMs = holdMs
  }

  /** Resolves when the far side closed this connection (WorkerSpawn.closed; the leader host's relay only). */
  get closedByPeer(): Promise<void> | undefined {
    return this.#spawn.closed
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Acknowledges `count` events to the worker (flow control), coalesced (ACK_BATCH, ACK_DELAY_MS). */
  ack(count: number): void {
    if (this.#closed) return
    this.#pendingAcks += count
    // hidden: batches are rare and big, and a timer would wake the tab a second time
    if (this.#pendingAcks >= ACK_BATCH || this.#holdMs > 0) this.#flushAcks()
    else this.#ackTimer ??= setTimeout(() => this.#flushAcks(), ACK_DELAY_MS)
  }

  #flushAcks(): void {
    clearTimeout(this.#ackTimer)
    this.#ackTimer = undefined
    const count = this.#pendingAcks
    this.#pendingAcks = 0
    if (this.#closed || count === 0) return
    this.#post({ ack: count })
  }

  /** Tells the worker this tab is hidden (`holdMs` > 0: its events may wait that long) or visible (0). */
  visibility(holdMs: number): void {
    if (this.#closed || holdMs === this.#holdMs) return
    this.#holdMs = holdMs
    if (holdMs > 0) this.#flushAcks()
    this.#post(holdMs > 0 ? { hidden: true, holdMs } : { hidden: false })
  }

  #post(message: AckMessage | PongMessage | VisibilityMessage): void {
    try {
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
      this.#events.postMessage(message)
    } catch {
      // the port is gone; recovery will follow from the next command
    }
  }

  /** Answers the worker's ping (it pings a tab whose lock it cannot watch: no Web Locks). */
  pong(): void {
    if (this.#closed) return
    this.#post({ pong: true })
  }

  /** Lets go of the worker, the port and the lock (the worker, if alive, then detaches us). */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#ackTimer)
    this.#events.close()
    this.#spawn.dispose()
    this.#lock.release()
  }
}

export interface OpenOptions {
  spawn: Spawner
  lockName: string
  config: EngineConfig
  deadlineMs: number
  /** Each message of the events port, with the connection it came on. */
  onMessage: (connection: Connection, data: unknown) => void
  /** Where the attach's deadline runs. */
  clock?: Clock
  /** > 0: the tab is hidden, and its events may wait this long (said before the attach). Default 0. */
  holdMs?: number
  /** The tab is about to subscribe: the worker opens the socket as it attaches (attach's `warm`). */
  warm?: boolean | undefined
}

/**
 * Starts (or reaches) the worker while it takes the lock, then attaches the tab: the attach needs the lock held (the
 * worker waits on it), the worker's start does not. Rejects with a RealtimeError.
 */
export async function openConnection(options: OpenOptions): Promise<Connection> {
  const locking = holdLock(options.lockName)
  const channel = new MessageChannel()
  let spawn: WorkerSpawn | undefined
  let lock: HeldLock | undefined
  try {
    spawn = options.spawn()
    // every command already returns a Promise of plain data, so Remote<TabApi> is TabApi (minus its union split)
    const remote = wrap<TabApi>(spawn.endpoint)
    lock = await locking
    const holdMs = options.holdMs ?? 0
    // a hidden tab says so before the attach: the worker reads it before it delivers anything
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
    if (holdMs > 0) channel.port1.postMessage({ hidden: true, holdMs } satisfies VisibilityMessage)
    const attached = remote.attach(
      options.config,
      transfer(channel.port2, [channel.port2]),
      lock.name,
      TAB_PROTOCOL_VERSION,
      options.warm === true,
    )
    const failed = spawn.failed.then((error) => Promise.reject(new RealtimeError('host-unavailable', error.message)))
    const reply = await withDeadline(Promise.race([attached, failed]), options.deadlineMs, 'attach', options.clock)
    if (!reply.ok) throw asRealtimeError(reply.error, 'command-failed')
    const connection = new Connection(remote, reply.instance, channel.port1, spawn, lock, holdMs)
    // messages wait in the port until it is started
    channel.port1.addEventListener('message', (event: MessageEvent) =>
      isPing(event.data) ? connection.pong() : options.onMessage(connection, event.data),
    )
    channel.port1.start()
    return connection
  } catch (error) {
    channel.port1.close()
    spawn?.dispose()
    if (lock) lock.release()
    else
      void locking.then(
        (held) => held.release(),
        () => {},
      )
    throw asRealtimeError(error, 'host-unavailable')
  }
}
