// The tab <-> worker protocol (DESIGN.md "Many tabs, one socket", rules 8, 10, 12, 13).
// Commands go through Comlink; each answers with a Reply carrying the worker's instance id
// (random per worker start), so a tab notices a restarted worker. Events go on a raw
// MessagePort per tab as `{ instance, events }`, acknowledged with `{ ack: n }`.
// The version is in the worker's name: a tab of another build gets its own worker.
// Errors cross the boundary as data ({name, kind, message}); the tab rebuilds a HostError.
// Argument validators live in worker/validate.ts.

import { type EngineEvent, OutboxFullError, type PushResult, type SubscriptionSpec } from '@shared-realtime/engine'
import type { EngineConfig, HostSnapshot, SendOptions, TokenProviderFn } from './tab/link.ts'

/** Bump on any incompatible change of the commands, replies or port messages. */
/** The Web Lock a worker holds for its whole life: a tab granted it knows that worker is gone. */
export const workerLockName = (instance: string): string => `shared-realtime-worker:${instance}`

// 2: send() takes SendOptions (durable sends); a worker of version 1 would ignore them.
// 3: postgres_changes events carry the converted `payload` (realtime-js's shape), not the server's `data`.
export const TAB_PROTOCOL_VERSION = 3

/** The worker's `name`. tab/spawn.ts repeats it as a literal (Vite needs one): keep them equal. */
export const WORKER_NAME = `shared-realtime-v${TAB_PROTOCOL_VERSION}`

/** Every command a tab may send; anything else is refused at the port (worker/guard.ts). */
export const TAB_COMMANDS = [
  'attach', 'subscribe', 'unsubscribe', 'send', 'track', 'untrack', 'setAuth', 'setTokenProvider',
  'connect', 'disconnect', 'sendHeartbeat', 'networkOnline', 'inspect', 'detach', 'goodbye', 'ping',
] as const
export type TabCommand = (typeof TAB_COMMANDS)[number]

export const HOST_ERROR_KINDS = [
  /** An argument or a port message is malformed; the message names it. */
  'bad-request',
  /** The tab and the worker speak different protocol versions. */
  'protocol-mismatch',
  /** The command needs an attached tab (attach first; after a worker restart the link re-attaches). */
  'not-attached',
  /** A push could not be queued: the channel's outbox is full. */
  'outbox-full',
  /** The engine refused the command (the message says why). */
  'command-failed',
  /** The worker did not answer within the deadline; the link recovers on its own. */
  'host-timeout',
  /** No worker could be started or reached. */
  'host-unavailable',
] as const
export type HostErrorKind = (typeof HOST_ERROR_KINDS)[number]

/** An error as plain data: what crosses the port (instanceof does not). */
export interface HostErrorData {
  name: 'RealtimeError'
  kind: HostErrorKind
  message: string
}

/** Kinds where trying again can help (the link is recovering, or a worker may start later). */
const RETRYABLE: ReadonlySet<HostErrorKind> = new Set(['host-timeout', 'host-unavailable', 'not-attached'])

/** The one error class of the tab <-> worker boundary; shaped as the client's RealtimeError (name, kind, retryable). */
export class HostError extends Error {
  override readonly name = 'RealtimeError'
  readonly kind: HostErrorKind
  readonly retryable: boolean

  constructor(kind: HostErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
    this.retryable = RETRYABLE.has(kind)
  }

  static from(data: HostErrorData): HostError {
    return new HostError(data.kind, data.message)
  }

  toData(): HostErrorData {
    return { name: this.name, kind: this.kind, message: this.message }
  }
}

const KINDS: ReadonlySet<string> = new Set(HOST_ERROR_KINDS)

/** Whether `error` is a HostError, or one rebuilt from data by another realm. */
export function isHostError(error: unknown): error is HostError {
  if (error instanceof HostError) return true
  const e = error as { name?: unknown; kind?: unknown } | null
  return typeof e === 'object' && e !== null && e.name === 'RealtimeError' && typeof e.kind === 'string' && KINDS.has(e.kind)
}

/** Any thrown value as a HostError (a Comlink-level error keeps its kind when it has one). */
export function asHostError(error: unknown, fallback: HostErrorKind = 'command-failed'): HostError {
  if (error instanceof HostError) return error
  if (isHostError(error)) return new HostError(error.kind, error.message, { cause: error })
  const message = error instanceof Error ? error.message : String(error)
  return new HostError(fallback, message, { cause: error })
}

/** Any error thrown by a command, as the data of its error reply. */
export function errorData(error: unknown): HostErrorData {
  if (error instanceof HostError) return error.toData()
  const message = error instanceof Error ? error.message : String(error)
  // arguments are checked before the engine sees them: anything else it throws is its refusal (or a bug)
  const kind = error instanceof OutboxFullError ? 'outbox-full' : 'command-failed'
  return { name: 'RealtimeError', kind, message }
}

/** Every command's answer. */
export type Reply<T> = { instance: string; ok: true; value: T } | { instance: string; ok: false; error: HostErrorData }

export interface TabSummary {
  id: string
  subscriptions: number
  /** Whether the worker watches the tab's lock (false: only a goodbye or detach ends it). */
  watched: boolean
}

export interface WorkerSnapshot extends HostSnapshot {
  host: 'shared-worker' | 'worker'
  name: string
  protocol: number
  /** Every tab attached to this worker, whichever engine it uses. */
  tabs: TabSummary[]
}

/** The commands one port may call (argument types are what a well-behaved tab sends). */
export type TabApi = {
  attach(tabId: string, config: EngineConfig, eventsPort: MessagePort, lockName: string, protocol: number): Promise<Reply<AttachInfo>>
  subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<Reply<null>>
  unsubscribe(subId: string): Promise<Reply<null>>
  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<Reply<PushResult>>
  track(subId: string, payload: Record<string, unknown>): Promise<Reply<null>>
  untrack(subId: string): Promise<Reply<null>>
  setAuth(token: string | null): Promise<Reply<null>>
  setTokenProvider(provider: TokenProviderFn | null): Promise<Reply<null>>
  connect(): Promise<Reply<null>>
  disconnect(): Promise<Reply<null>>
  sendHeartbeat(): Promise<Reply<null>>
  /** The tab saw the network come back: reconnect now if waiting out a backoff (workers may not get `online`). */
  networkOnline(): Promise<Reply<null>>
  inspect(): Promise<Reply<WorkerSnapshot>>
  detach(): Promise<Reply<null>>
  /** detach, sent on pagehide without waiting for the answer. */
  goodbye(): Promise<Reply<null>>
  /** Liveness probe of a tab that sends nothing else: not-attached when the worker does not know it. */
  ping(): Promise<Reply<null>>
} & Record<TabCommand, unknown>

/** What attach answers. */
export interface AttachInfo {
  instance: string
  protocol: number
  host: 'shared-worker' | 'worker'
}

/** worker → tab, on the events port: one batch of the tab's session, in order. */
export interface EventsMessage {
  instance: string
  events: EngineEvent[]
}

/** tab → worker, on the events port: the tab's handler ran for `ack` more events. */
export interface AckMessage {
  ack: number
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** The ack count of a port message, or undefined when it is not a well-formed ack. */
export function readAck(data: unknown): number | undefined {
  if (!isRecord(data)) return undefined
  const n = data.ack
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

/** An events message from the worker, or undefined when malformed. */
export function readEvents(data: unknown): EventsMessage | undefined {
  if (!isRecord(data) || typeof data.instance !== 'string' || !Array.isArray(data.events)) return undefined
  return { instance: data.instance, events: data.events as EngineEvent[] }
}

export function randomId(): string {
  return globalThis.crypto.randomUUID()
}
