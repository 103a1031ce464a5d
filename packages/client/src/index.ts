// Runs in the tab (the workers have their own entries: host/worker/*-worker-entry.ts).
// @shared-realtime/client — a drop-in for @supabase/realtime-js whose engine runs in a
// SharedWorker shared by every tab of the origin.
export { RealtimeClient } from './RealtimeClient.ts'
export { RealtimeClient as default } from './RealtimeClient.ts'
export type { ConnectionStatus, HeartbeatStatus, RealtimeClientOptions } from './RealtimeClient.ts'
export { RealtimeChannel } from './RealtimeChannel.ts'
export type { RealtimeChannelOptions, SubscribeCallback } from './RealtimeChannel.ts'
export { RealtimePresence } from './RealtimePresence.ts'
export { RealtimeError } from './errors.ts'
export {
  REALTIME_CHANNEL_STATES,
  REALTIME_LISTEN_TYPES,
  REALTIME_POSTGRES_CHANGES_LISTEN_EVENT,
  REALTIME_PRESENCE_LISTEN_EVENTS,
  REALTIME_SUBSCRIBE_STATES,
} from './constants.ts'
export type { RealtimeChannelState } from './constants.ts'
export { postgresChangesFilter, RealtimePostgresFilterBuilder } from '@shared-realtime/protocol'
export type {
  BroadcastPayload,
  Message as RealtimeMessage,
  RealtimePostgresChangesFilterOperator,
  RealtimePostgresChangesPayload,
  RealtimePostgresDeletePayload,
  RealtimePostgresInsertPayload,
  RealtimePostgresUpdatePayload,
  RealtimePresenceJoinPayload,
  RealtimePresenceLeavePayload,
  RealtimePresenceState,
  SystemPayload as RealtimeSystemPayload,
} from '@shared-realtime/protocol'
export type { HostKind, HostSnapshot } from './host/tab/link.ts'
export type { WebSocketLikeConstructor } from '@shared-realtime/engine'
export { WebSocketFactory } from './compat.ts'
export type {
  RealtimeBroadcastPersist,
  RealtimeChannelSendResponse,
  RealtimePostgresChangesFilter,
  RealtimeRemoveChannelResponse,
  WebSocketLike,
} from './compat.ts'
