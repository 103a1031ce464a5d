// Presence state handling (PROTOCOL.md §3.9, REALTIME-JS.md §1.4): the Phoenix sync
// algorithm as pure functions, payload checks, realtime-js's view, and a per-channel
// reducer that orders presence_state / presence_diff like phoenix.js.

export type {
  Presence,
  PresenceChange,
  PresenceDiff,
  PresenceEntry,
  PresenceMeta,
  PresenceState,
  PresenceSyncResult,
  RealtimePresenceEvent,
  RealtimePresenceJoinPayload,
  RealtimePresenceLeavePayload,
  RealtimePresenceListenEvent,
  RealtimePresenceState,
  RealtimePresenceSyncPayload,
} from './types.ts'
export { REALTIME_PRESENCE_LISTEN_EVENTS } from './types.ts'
export { syncDiff, syncState } from './state.ts'
export type { PresenceError, PresenceErrorKind, PresenceParseResult } from './parse.ts'
export { PRESENCE_ERROR_KINDS, parsePresenceDiff, parsePresenceState } from './parse.ts'
export { toPresence, toPresenceEvents, toPresences, toPresenceView } from './view.ts'
export type { PendingPresenceDiff, PresenceInput, PresenceStep, PresenceSync } from './sync.ts'
export { applyPresenceEvent, initialPresenceSync } from './sync.ts'
