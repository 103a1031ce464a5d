// What the engine tells a tab session: the events a tab's RealtimeClient and channels
// turn into realtime-js callbacks. Plain data only: they cross a MessagePort.

import type {
  BroadcastPayload,
  PresenceDiff,
  PresenceState,
  RealtimePostgresChangesPayload,
  SystemPayload,
} from '@shared-realtime/protocol'
import type { HeartbeatStatus } from './machines/heartbeat.ts'
import type { ChannelError, SubscribeStatus } from './machines/channel.ts'
import type { ConnectionState } from './machines/connection.ts'

/** An error as plain data (instanceof does not cross ports; the tab rebuilds a RealtimeError). */
export interface ErrorData {
  kind: string
  message: string
  retryable: boolean
}

export type EngineEvent =
  | { type: 'status'; sub: string; status: SubscribeStatus; error?: ErrorData }
  | { type: 'broadcast'; sub: string; payload: BroadcastPayload }
  | { type: 'presence-state'; sub: string; state: PresenceState }
  | { type: 'presence-diff'; sub: string; diff: PresenceDiff }
  /**
   * `bindings`: indexes into the subscription's own postgres bindings that this change is for;
   * `payload`: what realtime-js hands its callbacks (converted by the engine, not by the tab).
   */
  | { type: 'postgres_changes'; sub: string; bindings: number[]; payload: RealtimePostgresChangesPayload }
  | { type: 'system'; sub: string; payload: SystemPayload | Record<string, unknown> }
  | { type: 'message'; sub: string; event: string; payload: unknown }
  | { type: 'connection'; state: ConnectionState['name']; attempt?: number; retryInMs?: number; error?: ErrorData }
  | { type: 'heartbeat'; status: HeartbeatStatus; rttMs?: number }
  /** Events for this session were dropped while it did not drain; refetch what matters. */
  | { type: 'gap'; dropped: number }

export function channelErrorData(error: ChannelError): ErrorData {
  switch (error.kind) {
    case 'refused':
      return {
        kind: `join-refused:${error.reason.code}`,
        message: error.reason.raw,
        retryable: error.reason.retry !== 'never',
      }
    case 'timeout':
      return { kind: 'join-timeout', message: 'the join was not answered in time', retryable: true }
    case 'socket':
      return { kind: 'socket-closed', message: 'channel error: connection lost', retryable: true }
    case 'server-error':
      return { kind: 'server-error', message: 'channel error: the server channel crashed', retryable: true }
    case 'closed':
      // a token shutdown is retried with a fresh token; other shutdowns end the channel
      return {
        kind: `closed:${error.shutdown}`,
        message: error.message,
        retryable: error.shutdown === 'token-expired' || error.shutdown === 'token-invalid',
      }
  }
}
