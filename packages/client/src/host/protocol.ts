// The tab <-> worker protocol (DESIGN.md "Many tabs, one socket", rules 8, 10, 12, 13).
// Commands go through Comlink; each answers with a Reply carrying the worker's instance id
// (random per worker start), so a tab notices a restarted worker. Events go on a raw
// MessagePort per tab as `{ instance, events }`, acknowledged with `{ ack: n }`.
// The version is in the worker's name: a tab of another build gets its own worker.
// Errors cross the boundary as data ({name, kind, message}); the tab rebuilds a RealtimeError.
// Argument validators live in worker/validate.ts.

import type { EngineEvent, PushResult, SubscriptionSpec } from '@shared-realtime/engine'
import type { RealtimeErrorData } from '../errors.ts'
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

/** Every command's answer. */
export type Reply<T> = { instance: string; ok: true; value: T } | { instance: string; ok: false; error: RealtimeErrorData }

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
