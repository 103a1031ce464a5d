// Runs in the tab. HostLink: what the tab-side API (RealtimeClient, RealtimeChannel) needs
// from wherever the engine lives. Three hosts implement it: in the page (page.ts), in a
// dedicated Worker and in a SharedWorker (worker-link.ts, over the commands of
// ../protocol.ts), and in a dedicated Worker of a leader tab the other tabs reach over a
// BroadcastChannel (leader.ts, lazily loaded). Everything that crosses it is plain data (structured-clone-able), except
// the token provider, which a worker host calls back through a port with a deadline. Every
// method rejects with a RealtimeError.

import type { EngineEvent, PushResult, SubscriptionSpec } from '@shared-realtime/engine'
import type { EngineConfig, SendOptions, TokenProviderFn } from '../protocol.ts'

export type HostKind = 'shared-worker' | 'leader' | 'worker' | 'page'

/** Which tab leads (host 'leader', decision 78): its id, since when (epoch ms), and whether it is this tab. */
export interface LeaderInfo {
  tab: string
  since: number
  self: boolean
}

/** Why a client runs on another host than the one asked for ('auto': the SharedWorker), and what it costs. */
export interface HostFallback {
  /** The host asked for ('auto': 'shared-worker', where the platform has any worker). */
  wanted: HostKind
  /** The host in use. */
  kind: HostKind
  /** Why each better host was not used: missing here, or its attach failed (with the error). */
  reason: string
  /** What it costs, e.g. "every tab opens its own socket (3 tabs will hold 3 sockets)". */
  cost: string
  /** The one warning the client logged. */
  message: string
}

export interface HostSnapshot {
  host: HostKind
  /** The worker instance id (changes when a worker restarts); 'page' for the in-page host. */
  instance: string
  engine: unknown
  /** Set when the client runs on another host than the one asked for (RealtimeClient.inspect()). */
  fallback?: HostFallback
  /** Host 'leader': which tab leads and since when. */
  leader?: LeaderInfo
}

export interface HostLink {
  readonly kind: HostKind
  /** Attaches this tab. Events for it arrive through `onEvents`, batched, in order. */
  attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void>
  subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<void>
  unsubscribe(subId: string): Promise<void>
  /** A broadcast; `options.durable` stores it until the server acknowledges it (the engine's Session.send). */
  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<PushResult>
  track(subId: string, payload: Record<string, unknown>): Promise<void>
  untrack(subId: string): Promise<void>
  setAuth(token: string | null): Promise<void>
  setTokenProvider(provider: TokenProviderFn | null): Promise<void>
  connect(): Promise<void>
  disconnect(): Promise<void>
  sendHeartbeat(): Promise<void>
  /** The page saw the network come back (`online`): the engine reconnects now if it is waiting out a backoff. */
  networkOnline(): Promise<void>
  inspect(): Promise<HostSnapshot>
  /** Deletes the origin's stored durable sends (every identity); resolves with how many were waiting. */
  clearDurable(): Promise<number>
  /**
   * Moves this tab to the engine of `config` (its client's identity changed: sign-in, sign-out, a token of another
   * user). What the tab holds there is given to the new engine: its token provider, `token` as its manual token
   * (null: none), its subscriptions, presence and connect(); every subscription then hears `resubscribed`. The old
   * engine keeps serving its other tabs.
   */
  rebind(config: EngineConfig, token: string | null): Promise<void>
  /** The tab is leaving: releases everything it holds. */
  detach(): Promise<void>
}
