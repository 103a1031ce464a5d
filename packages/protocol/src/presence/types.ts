// Presence types: the server's wire shapes (PROTOCOL.md §3.9), the change list the
// sync algorithm computes, and realtime-js's view of both (REALTIME-JS.md §1.4).
//
//   wire   presence_state  {key: {metas: [{phx_ref, phx_ref_prev?, ...meta}]}}
//          presence_diff   {joins: <state>, leaves: <state>}
//   view   {key: [{presence_ref, ...meta}]}               (RealtimePresenceState)
//   events {event: 'join' | 'leave' | 'sync', ...}        (channel 'presence' payloads)

/** One tracked presence (one tab or device) as the server sends it. */
export interface PresenceMeta {
  /** Opaque tracker ref, unique per track; what joins and leaves are matched by. */
  phx_ref: string
  /** The ref this meta replaces, set on the join half of an update (re-track). */
  phx_ref_prev?: string
  [key: string]: unknown
}

/** Every meta tracked under one presence key. */
export interface PresenceEntry {
  metas: PresenceMeta[]
}

/**
 * Presence keys to their metas: the `presence_state` payload and the sync state.
 * States returned by this module have a null prototype, so a key such as
 * `constructor` or `__proto__` is an ordinary key. Treat them as immutable: the
 * functions here share unchanged entries between successive states.
 */
export type PresenceState = Record<string, PresenceEntry>

/** The `presence_diff` payload. */
export interface PresenceDiff {
  joins: PresenceState
  leaves: PresenceState
}

/**
 * One step of a sync, in the order Phoenix's `onJoin`/`onLeave` callbacks fire:
 * every join of a state or diff, then every leave.
 *  - join: `current` is the key's metas before the join (`[]` for a new key), `added`
 *    the joining metas (for `syncState`, only those whose ref is new).
 *  - leave: `current` is the key's metas after the removal (`[]` when the key is
 *    gone), `removed` the leaving metas as the diff lists them.
 */
export type PresenceChange =
  | { event: 'join'; key: string; current: PresenceMeta[]; added: PresenceMeta[] }
  | { event: 'leave'; key: string; current: PresenceMeta[]; removed: PresenceMeta[] }

/** A new state and what changed to get there. */
export interface PresenceSyncResult {
  state: PresenceState
  changes: PresenceChange[]
}

/** realtime-js's event names on the `presence` listen type (its enum of the same name). */
export const REALTIME_PRESENCE_LISTEN_EVENTS = {
  SYNC: 'sync',
  JOIN: 'join',
  LEAVE: 'leave',
} as const
export type RealtimePresenceListenEvent =
  (typeof REALTIME_PRESENCE_LISTEN_EVENTS)[keyof typeof REALTIME_PRESENCE_LISTEN_EVENTS]

/** One meta as realtime-js shows it: `phx_ref` renamed `presence_ref`, `phx_ref_prev` dropped. */
export type Presence<T extends object = {}> = { presence_ref: string } & T

/** realtime-js's `channel.presenceState()`: presence keys to their presences. */
export type RealtimePresenceState<T extends object = {}> = Record<string, Array<Presence<T>>>

export interface RealtimePresenceJoinPayload<T extends object = {}> {
  event: 'join'
  key: string
  /** The key's presences before the join; `[]` for a new key. */
  currentPresences: Array<Presence<T>>
  newPresences: Array<Presence<T>>
}

export interface RealtimePresenceLeavePayload<T extends object = {}> {
  event: 'leave'
  key: string
  /** The key's presences after the leave; `[]` when the key is gone. */
  currentPresences: Array<Presence<T>>
  leftPresences: Array<Presence<T>>
}

export interface RealtimePresenceSyncPayload {
  event: 'sync'
}

/** A payload realtime-js triggers as a channel `presence` event. */
export type RealtimePresenceEvent<T extends object = {}> =
  RealtimePresenceJoinPayload<T> | RealtimePresenceLeavePayload<T> | RealtimePresenceSyncPayload
