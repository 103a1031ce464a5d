// HostLink: what the tab-side API (RealtimeClient, RealtimeChannel) needs from wherever the
// engine lives. Three hosts implement it: in the page (page.ts), in a dedicated Worker and
// in a SharedWorker (worker-link.ts over Comlink + a MessagePort). Everything that crosses
// it is plain data (structured-clone-able), except the token provider, which a worker host
// calls back through a Comlink proxy with a deadline.

import type { EngineEvent, PushResult, SendOptions, SubscriptionSpec } from '@shared-realtime/engine'

export type { SendOptions }

export type HostKind = 'shared-worker' | 'worker' | 'page'

/** The engine options a tab sends to its host. Tabs with equal configs share one engine (one socket). */
export interface EngineConfig {
  endPoint: string
  params: Record<string, string>
  vsn: '1.0.0' | '2.0.0'
  timeout: number
  heartbeatIntervalMs: number
  disconnectOnEmptyChannelsAfterMs: number
  /** realtime-js's reconnectAfterMs(tries), evaluated for tries 1..N on the tab (functions do not cross ports); the last value repeats. */
  reconnectDelaysMs?: number[]
}

export interface HostSnapshot {
  host: HostKind
  /** The worker instance id (changes when a worker restarts); 'page' for the in-page host. */
  instance: string
  engine: unknown
}

export type TokenProviderFn = () => Promise<string | null>

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
  /** The tab is leaving: releases everything it holds. */
  detach(): Promise<void>
}
