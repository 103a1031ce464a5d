// Runs in the tab.
// realtime-js's enums, as `as const` objects with the same runtime values (so code written
// against realtime-js, `REALTIME_SUBSCRIBE_STATES.SUBSCRIBED === 'SUBSCRIBED'`, works unchanged).
export { REALTIME_POSTGRES_CHANGES_LISTEN_EVENT, REALTIME_PRESENCE_LISTEN_EVENTS } from '@shared-realtime/protocol'

export const REALTIME_LISTEN_TYPES = {
  BROADCAST: 'broadcast',
  PRESENCE: 'presence',
  POSTGRES_CHANGES: 'postgres_changes',
  SYSTEM: 'system',
} as const
export type REALTIME_LISTEN_TYPES = (typeof REALTIME_LISTEN_TYPES)[keyof typeof REALTIME_LISTEN_TYPES]

export const REALTIME_SUBSCRIBE_STATES = {
  SUBSCRIBED: 'SUBSCRIBED',
  TIMED_OUT: 'TIMED_OUT',
  CLOSED: 'CLOSED',
  CHANNEL_ERROR: 'CHANNEL_ERROR',
} as const
export type REALTIME_SUBSCRIBE_STATES = (typeof REALTIME_SUBSCRIBE_STATES)[keyof typeof REALTIME_SUBSCRIBE_STATES]

/** Channel states; `failed` is ours: a join refused for good (realtime-js would retry forever). */
export const REALTIME_CHANNEL_STATES = {
  closed: 'closed',
  errored: 'errored',
  joined: 'joined',
  joining: 'joining',
  leaving: 'leaving',
  failed: 'failed',
} as const
export type RealtimeChannelState = (typeof REALTIME_CHANNEL_STATES)[keyof typeof REALTIME_CHANNEL_STATES]

export const DEFAULT_TIMEOUT = 10_000
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 25_000
export const DEFAULT_VSN = '2.0.0'
