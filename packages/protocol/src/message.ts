// The message model shared by every part of shared-realtime, and the names the wire
// uses. A message is realtime-js's RealtimeMessage with `null` where a field is absent.
// Layouts and semantics: the wire protocol as documented in packages/protocol/README.md (the
// frame layouts are in text.ts and binary.ts; the README says where the facts come from).

/** Serializer versions the server negotiates from the `vsn` query parameter. */
export const VSN = { v1: '1.0.0', v2: '2.0.0' } as const
export type Vsn = (typeof VSN)[keyof typeof VSN]
/** realtime-js's default since 2.100: JSON arrays plus binary broadcast frames. */
export const DEFAULT_VSN: Vsn = VSN.v2

export function isVsn(value: unknown): value is Vsn {
  return value === VSN.v1 || value === VSN.v2
}

export interface Message<P = unknown> {
  join_ref: string | null
  ref: string | null
  topic: string
  event: string
  payload: P
}

/** The topic heartbeats go to; it has no channel behind it. */
export const PHOENIX_TOPIC = 'phoenix'
/** Every Supabase Realtime channel topic starts with this (`realtime:<sub-topic>`). */
export const TOPIC_PREFIX = 'realtime:'

/** Phoenix's own events. */
export const PHX_EVENTS = {
  join: 'phx_join',
  leave: 'phx_leave',
  reply: 'phx_reply',
  close: 'phx_close',
  error: 'phx_error',
  heartbeat: 'heartbeat',
} as const

/** Events of a Supabase Realtime channel. */
export const REALTIME_EVENTS = {
  accessToken: 'access_token',
  broadcast: 'broadcast',
  presence: 'presence',
  presenceState: 'presence_state',
  presenceDiff: 'presence_diff',
  postgresChanges: 'postgres_changes',
  system: 'system',
} as const

export type PhxEvent = (typeof PHX_EVENTS)[keyof typeof PHX_EVENTS]
export type RealtimeEvent = (typeof REALTIME_EVENTS)[keyof typeof REALTIME_EVENTS]

/** The payload of `phx_reply`. `response` is a bare string in a few server errors (`payload_size_exceeded`). */
export interface ReplyPayload<R = unknown> {
  status: 'ok' | 'error' | (string & {})
  response: R
}

/** Metadata of a broadcast: set on replayed, REST-sent (with an id) and database-sent messages. */
export interface BroadcastMeta {
  id?: string
  replayed?: boolean
  [key: string]: unknown
}

/** The payload of a `broadcast` event, as realtime-js delivers it to `on('broadcast')` callbacks. */
export interface BroadcastPayload<T = unknown> {
  type: 'broadcast'
  event: string
  payload: T
  meta?: BroadcastMeta
  [key: string]: unknown
}

/** The payload of a `system` event (PROTOCOL.md §3.6). `channel` is absent on "Server requested disconnect". */
export interface SystemPayload {
  extension: 'system' | 'postgres_changes' | (string & {})
  status: 'ok' | 'error' | (string & {})
  message: string
  channel?: string
}

/** `realtime:room` → `room` (the sub-topic REST calls and error messages use). */
export function subTopic(topic: string): string {
  return topic.startsWith(TOPIC_PREFIX) ? topic.slice(TOPIC_PREFIX.length) : topic
}
