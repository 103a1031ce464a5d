/* oxlint-disable unicorn/prefer-add-event-listener -- the Transport contract is WebSocketLike's on* handlers */
// The one socket: the ConnectionMachine (machines/connection.ts) under the generic Driver, the
// WebSocket it opens and closes (events of a socket that is no longer the current one are
// dropped), frames out (encoded, counted, each with the next ref) and in (decoded, counted; a
// heartbeat reply goes to the heartbeat, the rest to the host, which routes them to the channels),
// and the heartbeat (heartbeat-driver.ts), which runs while connected.

import type { Message, Serializer } from '@shared-realtime/protocol'
import type { ReconnectPolicy } from './backoff.ts'
import type { Clock } from './clock.ts'
import { connectionEvent } from './connection-status.ts'
import type { EngineCounters } from './engine-options.ts'
import type { EngineEvent } from './events.ts'
import { HeartbeatDriver } from './heartbeat-driver.ts'
import type { Logger } from './logger.ts'
import {
  type ConnectionContext,
  type ConnectionEffect,
  type ConnectionEvent,
  type ConnectionState,
  connectionTimerEvent,
  initialConnectionState,
  transitionConnection,
} from './machines/connection.ts'
import { Driver } from './machines/driver.ts'
import { refusedStatus, type SocketLike, type WebSocketLikeConstructor } from './transport.ts'

/** The socket's own topic: heartbeats and their replies. */
const PHOENIX = 'phoenix'

/** How long `closing()` waits for a closed socket's close event (under the tab's 5 s command deadline). */
export const CLOSE_WAIT_MS = 2000

export interface SocketOptions {
  readonly url: string
  readonly transport: WebSocketLikeConstructor
  readonly serializer: Serializer
  readonly clock: Clock
  readonly logger: Logger
  /** Jitter source in [0, 1). */
  readonly random: () => number
  readonly policy: ReconnectPolicy
  /** Close the socket this long after nothing wants it any more. */
  readonly idleAfterMs: number
  readonly heartbeatIntervalMs: number
  readonly heartbeatTimeoutMs: number
  /** Counted here: frames in and out, decode errors, unroutable frames, connects. */
  readonly counters: EngineCounters
}

/** What the socket tells the engine, and asks it. */
export interface SocketHost {
  /** How many channels and explicit connect()s want the socket (the machine's channelCount). */
  demand(): number
  /** A socket is about to open: the token providers are asked again. */
  opening(): void
  /** The socket is open (connected), or no longer connected. */
  opened(): void
  /** The socket is gone; `code`: its close code when the server (or network) closed it. */
  gone(code: number | undefined): void
  /** A frame for a topic other than `phoenix`; false when no channel has its topic. */
  route(message: Message): boolean
  /** An event for every tab: the connection's state, the heartbeat's. */
  tell(event: EngineEvent): void
}

export class SocketDriver {
  readonly #options: SocketOptions
  readonly #host: SocketHost
  readonly #machine: Driver<ConnectionState, ConnectionEvent, ConnectionContext, ConnectionEffect>
  readonly heartbeat: HeartbeatDriver
  #socket: SocketLike | undefined
  /** Bumped for each socket opened or closed: events of an older socket are dropped. */
  #generation = 0
  /** The HTTP status of a refused upgrade, read from the current socket's error event. */
  #refusal: number | undefined
  /** The close code of the socket that just closed, for `gone`. */
  #closeCode: number | undefined
  #ref = 0
  /** The socket this driver closed last, until its close event (or CLOSE_WAIT_MS): what `closing()` waits for. */
  #closing: Promise<void> | undefined

  constructor(options: SocketOptions, host: SocketHost) {
    this.#options = options
    this.#host = host
    const { clock } = options
    this.#machine = new Driver({
      initial: initialConnectionState,
      transition: transitionConnection,
      context: () => ({
        now: clock.now(),
        random: options.random(),
        channelCount: host.demand(),
        idleAfterMs: options.idleAfterMs,
        policy: options.policy,
      }),
      timers: { clock, fired: connectionTimerEvent },
      perform: (effect) => (effect.type === 'open' ? this.#open() : this.#close(effect.code, effect.reason)),
      changed: (next, before) => {
        if (before.name !== 'connected' && next.name === 'connected') this.#opened()
        if (before.name === 'connected' && next.name !== 'connected') this.#gone()
        host.tell(this.status())
      },
    })
    this.heartbeat = new HeartbeatDriver({
      clock,
      intervalMs: options.heartbeatIntervalMs,
      timeoutMs: options.heartbeatTimeoutMs,
      peekRef: () => String(this.#ref + 1),
      takeRef: (ref) => (this.#ref = Math.max(this.#ref, Number(ref))),
      sendHeartbeat: (ref) => void this.send({ join_ref: null, ref, topic: PHOENIX, event: 'heartbeat', payload: {} }),
      report: (status, rttMs) => host.tell({ type: 'heartbeat', status, ...(rttMs === undefined ? {} : { rttMs }) }),
      timedOut: () => this.dispatch({ type: 'heartbeat-timeout' }),
    })
  }

  get state(): ConnectionState {
    return this.#machine.state
  }

  get connected(): boolean {
    return this.#machine.state.name === 'connected'
  }

  dispatch(event: ConnectionEvent): void {
    this.#machine.dispatch(event)
  }

  /**
   * Resolves once the socket this driver closed last has closed (its close event: the server has it too), or
   * after CLOSE_WAIT_MS; at once when no close is under way.
   */
  closing(): Promise<void> {
    return this.#closing ?? Promise.resolve()
  }

  /** The `connection` event for the current state. */
  status(): EngineEvent {
    return connectionEvent(this.#machine.state, this.#options.clock.now())
  }

  nextRef(): string {
    this.#ref++
    return String(this.#ref)
  }

  /** Sends on the socket; false when it is not open (or the send threw). */
  send(message: Message): boolean {
    const socket = this.#socket
    if (!socket || !this.connected) return false
    try {
      socket.send(this.#options.serializer.encode(message))
      this.#options.counters.framesOut++
      return true
    } catch (error) {
      this.#options.logger.error(`could not send ${message.event} on ${message.topic}`, error)
      return false
    }
  }

  #open(): void {
    const { clock, counters, transport, url } = this.#options
    this.#host.opening()
    const generation = ++this.#generation
    this.#refusal = undefined
    counters.connects++
    let socket: SocketLike
    try {
      socket = new transport(url)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      clock.setTimeout(() => this.dispatch({ type: 'transport-error', message }), 0)
      return
    }
    this.#socket = socket
    socket.binaryType = 'arraybuffer'
    const current = () => generation === this.#generation
    socket.onopen = () => current() && this.dispatch({ type: 'opened' })
    socket.onerror = (event) => {
      if (current()) this.#refusal = refusedStatus(event) ?? this.#refusal
    }
    socket.onclose = (event) => {
      if (!current()) return
      this.#socket = undefined
      const refused = this.#refusal
      this.#closeCode = event?.code ?? 1006
      const closed: ConnectionEvent = { type: 'closed', code: event?.code ?? 1006, reason: event?.reason ?? '' }
      this.dispatch(refused !== undefined ? { type: 'refused', status: refused } : closed)
    }
    socket.onmessage = (event) => current() && this.#receive(event.data)
  }

  #close(code: number, reason: string): void {
    const socket = this.#socket
    this.#socket = undefined
    this.#generation++
    if (!socket) return
    const { clock } = this.#options
    const closing: Promise<void> = new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, CLOSE_WAIT_MS)
      // the socket is no longer the current one: its handlers are dropped, this one only says it is gone
      socket.onclose = () => {
        clock.clearTimeout(timer)
        resolve()
      }
    })
    this.#closing = closing
    void closing.then(() => {
      if (this.#closing === closing) this.#closing = undefined
    })
    try {
      socket.close(code, reason)
    } catch (error) {
      this.#options.logger.debug('closing the socket threw', error)
    }
  }

  #opened(): void {
    this.heartbeat.dispatch({ type: 'start' })
    this.#host.opened()
  }

  #gone(): void {
    this.heartbeat.dispatch({ type: 'stop' })
    const code = this.#closeCode
    this.#closeCode = undefined
    this.#host.gone(code)
  }

  #receive(data: unknown): void {
    const { counters, logger, serializer } = this.#options
    counters.framesIn++
    const decoded = serializer.decode(data)
    if (!decoded.ok) {
      counters.decodeErrors++
      logger.warn(`dropped an undecodable frame (${decoded.error.kind}): ${decoded.error.detail}`)
      return
    }
    const message = decoded.message
    if (message.topic !== PHOENIX) {
      if (!this.#host.route(message)) counters.unroutable++
      return
    }
    if (message.event === 'phx_reply' && message.ref !== null) {
      const status = (message.payload as { status?: unknown } | null)?.status
      const reply = typeof status === 'string' ? status : 'error'
      this.heartbeat.dispatch({ type: 'reply', ref: message.ref, status: reply })
    }
  }
}
