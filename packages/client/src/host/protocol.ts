// Runs in the tab and in the worker: the one description of the tab <-> worker protocol
// (DESIGN.md "Many tabs, one socket", rules 8, 10, 12, 13).
// - Commands go through Comlink: COMMANDS below lists every one with its arguments by name
//   (worker/validate.ts checks each name) and how the tab's link runs it; the TabApi type,
//   the worker's guard, its argument checks and its command surface are all derived from it.
// - Each command answers with a Reply carrying the worker's instance id (random per worker
//   start), so a tab notices a restarted worker.
// - Events go on a raw MessagePort per tab as `{ instance, events }`, acknowledged with `{ ack: n }`; the tab
//   says there whether it is hidden (`{ hidden, holdMs }`: the worker then batches its events, decision 81).
// - Errors cross as data ({name, kind, message}: errors.ts); the tab rebuilds a RealtimeError.
// The version is in the worker's name: a tab of another build gets its own worker.

import type { EngineEvent, GuardLimits, PushResult, SendOptions } from '@shared-realtime/engine'
import { isRecord, randomUuid } from '@shared-realtime/protocol'
import type { RealtimeErrorData } from '../errors.ts'
import type { ARGS } from './worker/validate.ts'

export type { SendOptions }

/**
 * Bump on any incompatible change of the commands, their arguments, the replies or the port messages.
 * 2: send() takes SendOptions (durable sends); a worker of version 1 would ignore them.
 * 3: postgres_changes events carry the converted `payload` (realtime-js's shape), not the server's `data`.
 * 4: the worker names the tab (attach takes no tabId and answers it); inspect shows this tab and only counts of
 *    the others.
 *    And clearDurable; a worker of version 3 would refuse it.
 * 5: the config carries the client's `identity` (engines are shared within one identity only; a worker of version 4
 *    would share one engine between users), and inspect answers `engineCount`.
 * 6: the tab says on its events port when it is hidden (VisibilityMessage; a worker of version 5 would warn of a
 *    malformed ack and never batch) and when it is about to subscribe (WarmMessage), and inspect's `tab` answers
 *    `holdMs`.
 */
export const TAB_PROTOCOL_VERSION = 6

/** The worker's `name`. tab/spawn.ts repeats it as a literal (Vite needs one): keep them equal. */
export const WORKER_NAME = `shared-realtime-v${TAB_PROTOCOL_VERSION}`

/** The Web Lock a worker holds for its whole life: a tab granted it knows that worker is gone. */
/** The leader host's worker `name` (host 'leader', decision 78); tab/leader-spawn.ts repeats it as a literal. */
export const LEADER_WORKER_NAME = `shared-realtime-leader-v${TAB_PROTOCOL_VERSION}`

/** The kinds of worker a tab attaches to. */
export type WorkerKind = 'shared-worker' | 'leader' | 'worker'

export const workerLockName = (instance: string): string => `shared-realtime-worker:${instance}`

/**
 * The engine options a tab sends to its host. Tabs with equal configs share one engine (one socket): every field
 * counts, `identity` included (host/engines.ts configKey, docs/decisions.md 61).
 */
export interface EngineConfig {
  endPoint: string
  params: Record<string, string>
  vsn: '1.0.0' | '2.0.0'
  timeout: number
  heartbeatIntervalMs: number
  disconnectOnEmptyChannelsAfterMs: number
  /** realtime-js's reconnectAfterMs(tries) for tries 1..N, evaluated on the tab; the last repeats. */
  reconnectDelaysMs?: number[]
  /**
   * Who the client's token speaks for (the engine's tokenIdentity: `<role>:<sub>`, or `anon`); default `anon`. The
   * engine takes no token of another identity; the client moves to another engine when its identity changes.
   */
  identity?: string
  /** The socket's guards (RealtimeClientOptions.guards); each left out is the engine's default. */
  guards?: Partial<GuardLimits>
}

/** The tab's token provider; it crosses as a callback the worker calls (with the engine's deadline). */
export type TokenProviderFn = () => Promise<string | null>

/** A type carried by the COMMANDS table, no value: the type of a command's answer. */
const returns = <T>(): T => undefined as T

/**
 * Every command a tab may send (the guard refuses any other):
 * - `args`: the arguments by name, in order; worker/validate.ts checks each name, and its check's
 *   result type is the argument's type in TabApi.
 * - `remembered`: the tab's link remembers it (tab/memory.ts) and gives it to a new worker again, so
 *   when the worker is lost mid-command the recovery does it; a command not remembered runs once more
 *   on the new worker instead.
 * - `asksProvider`: it may wait for the engine to ask a token provider (its deadline is longer).
 * - `result`: the type of the reply's value; null when absent.
 * Adding a command: one line here, its implementation in worker/worker-host.ts, and its method in the
 * tab's links (tab/link.ts, tab/worker-link.ts, tab/page.ts) if the API above uses it.
 */
export const COMMANDS = {
  /** `warm`: the tab is about to subscribe (or called connect()): the worker opens the socket as it attaches. */
  attach: { args: ['config', 'eventsPort', 'lockName', 'protocol', 'warm'], result: returns<AttachInfo>() },
  subscribe: { args: ['subId', 'topic', 'spec'], remembered: true },
  unsubscribe: { args: ['subId'], remembered: true },
  send: { args: ['subId', 'broadcast', 'timeoutMs', 'sendOptions'], result: returns<PushResult>() },
  track: { args: ['subId', 'presence'], remembered: true },
  untrack: { args: ['subId'], remembered: true },
  setAuth: { args: ['token'], remembered: true, asksProvider: true },
  setTokenProvider: { args: ['provider'], remembered: true },
  connect: { args: [], remembered: true },
  disconnect: { args: [], remembered: true },
  sendHeartbeat: { args: [] },
  /** The tab saw the network come back: reconnect now if waiting out a backoff (workers may not get `online`). */
  networkOnline: { args: [] },
  inspect: { args: [], result: returns<WorkerSnapshot>() },
  /** Deletes the origin's stored durable sends (every identity); answers how many were waiting. */
  clearDurable: { args: [], result: returns<number>() },
  detach: { args: [] },
  /** detach, sent on pagehide without waiting for the answer. */
  goodbye: { args: [] },
  /** Liveness probe of a tab that sends nothing else: not-attached when the worker does not know it. */
  ping: { args: [] },
} as const satisfies Record<string, CommandSpec>

export type ArgName = keyof typeof ARGS

interface CommandSpec {
  readonly args: readonly ArgName[]
  readonly remembered?: true
  readonly asksProvider?: true
  readonly result?: unknown
}

export type Command = keyof typeof COMMANDS
/** The commands a tab's link remembers (and replays on a new worker). */
export type Remembered = { [K in Command]: (typeof COMMANDS)[K] extends { remembered: true } ? K : never }[Command]

type Checked<N> = ReturnType<(typeof ARGS)[N & ArgName]>
type Each<A extends readonly unknown[]> = { -readonly [I in keyof A]: Checked<A[I]> }
/** The arguments' types; the last one may be left out when its check takes undefined (send's options). */
type ArgTypes<A extends readonly ArgName[]> = A extends readonly [...infer Init, infer Last]
  ? undefined extends Checked<Last>
    ? [...Each<Init>, Checked<Last>?]
    : [...Each<Init>, Checked<Last>]
  : []
/** A command's arguments, as the worker's checks return them. */
export type Args<K extends Command> = ArgTypes<(typeof COMMANDS)[K]['args']>
/** The value of a command's answer. */
export type Result<K extends Command> = (typeof COMMANDS)[K] extends { result: infer R } ? R : null
/** One command with its arguments, as a tab remembers it. */
export type Call<K extends Command = Command> = { [C in K]: { name: C; args: Args<C> } }[K]

/** Every command's answer. */
export type Reply<T> =
  { instance: string; ok: true; value: T } | { instance: string; ok: false; error: RealtimeErrorData }

/** The commands one port may call (argument types are what a well-behaved tab sends). */
export type TabApi = { readonly [K in Command]: (...args: Args<K>) => Promise<Reply<Result<K>>> }

/** What attach answers. */
export interface AttachInfo {
  instance: string
  protocol: number
  host: WorkerKind
  /**
   * This tab's id, given by the worker and bound to the port that attached: every command on that port acts
   * for this tab and no other, and no other port can claim it (DESIGN.md rule 13).
   */
  tabId: string
}

export interface TabSummary {
  /** The worker's id of this tab (AttachInfo.tabId). */
  id: string
  subscriptions: number
  /** Whether the worker watches the tab's lock (false: it pings the tab instead; a goodbye or detach also ends it). */
  watched: boolean
  /** How long the worker holds this tab's events (it said it is hidden: VisibilityMessage); 0: it delivers at once. */
  holdMs?: number
}

/** What inspect answers (a HostSnapshot of a worker host, with the worker's own details). */
export interface WorkerSnapshot {
  host: WorkerKind
  /** The worker instance id (changes when a worker restarts). */
  instance: string
  engine: unknown
  name: string
  protocol: number
  /** This tab (null when the port has not attached). Other tabs show only as counts: never their ids. */
  tab: TabSummary | null
  /** How many tabs are attached to this worker, this one included, whichever engine they use. */
  tabCount: number
  /** How many engines (sockets, open or not) this worker holds: one per config and identity in use. */
  engineCount: number
  /**
   * @deprecated Read `tab` and `tabCount`. Kept for readers of protocol 3's list: one entry per attached tab, this
   * tab's with its id, every other one with `id: null` (their ids never leave the worker).
   */
  tabs: Array<Omit<TabSummary, 'id'> & { id: string | null }>
  /** Host 'leader': which tab leads (its worker's owner) and since when (epoch ms); `self` is filled in by the tab. */
  leader?: { tab: string; since: number; self: boolean }
}

/** worker → tab, on the events port: one batch of the tab's session, in order. */
export interface EventsMessage {
  instance: string
  events: EngineEvent[]
}

/**
 * worker → tab, on the events port: are you alive? Sent only to tabs the worker cannot watch through a Web Lock
 * (no Web Locks: an insecure origin); the tab answers with a PongMessage. A tab silent for long is detached
 * (worker-host.ts LIVENESS). A tab of an older build ignores it (it is no EventsMessage), but such a tab never
 * attached without Web Locks (its own randomUUID failed there), so it is never pinged.
 */
export interface PingMessage {
  instance: string
  ping: true
}

/** tab → worker, on the events port: the answer to a PingMessage (any message of the tab counts as alive). */
export interface PongMessage {
  pong: true
}

/**
 * tab → worker, on the events port: the tab's page is hidden (document.visibilityState), and its events may wait up
 * to `holdMs` to go in one batch (RealtimeClientOptions.hiddenBatchMs, decision 81); or it is visible again
 * (`hidden: false`): what waits goes at once. A tab starts visible for the worker; one hidden when it attaches says
 * so first (the message waits in the port before the attach).
 */
export type VisibilityMessage = { hidden: true; holdMs: number } | { hidden: false }

/**
 * tab → worker, on the events port, before the attach: the tab is about to subscribe (or called connect()), so the
 * worker opens its engine's socket now, while the attach's answer and the subscribe are on their way (a first tab's
 * cold start). It does not keep the socket: without a channel it closes after disconnectOnEmptyChannelsAfterMs.
 * Tabs now say it in attach's `warm` argument instead, which the worker acts on as it creates the tab's session: the
 * port's message arrived a task after the attach (the socket ~7 ms after the attach command instead of 0.7, decision
 * 85). Workers still act on this message, for tabs of protocol 6 built before that argument.
 */
export interface WarmMessage {
  warm: true
}

/** Whether a message from a tab is a WarmMessage. */
export const isWarm = (data: unknown): boolean => isRecord(data) && data.warm === true

/** The longest hold a tab may ask for (RealtimeClientOptions.hiddenBatchMs). */
export const MAX_HOLD_MS = 60_000

/** A VisibilityMessage from a tab; undefined when the message is none; 'malformed' when it is one but not well-formed. */
export function readVisibility(data: unknown): VisibilityMessage | 'malformed' | undefined {
  if (!isRecord(data) || !('hidden' in data)) return undefined
  if (data.hidden === false) return { hidden: false }
  const ms = data.holdMs
  const valid = data.hidden === true && typeof ms === 'number' && ms > 0 && ms <= MAX_HOLD_MS
  return valid ? { hidden: true, holdMs: ms } : 'malformed'
}

/** Whether a message from the worker is a ping. */
export const isPing = (data: unknown): boolean => isRecord(data) && data.ping === true

/** Whether a message from a tab is a pong. */
export const isPong = (data: unknown): boolean => isRecord(data) && data.pong === true

/** tab → worker, on the events port: the tab's handler ran for `ack` more events. */
export interface AckMessage {
  ack: number
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

/**
 * A worker's instance id, a tab's lock names, a tab's id: from crypto.getRandomValues, which every context has
 * (crypto.randomUUID exists only in secure contexts: a page on http://<LAN address>/ has none, and a worker that
 * threw on it at start sent every tab to the in-page host).
 */
export function randomId(): string {
  return randomUuid()
}
