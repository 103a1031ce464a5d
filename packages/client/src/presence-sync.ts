// Runs in the tab, in a chunk of its own (decision 77): the presence code of RealtimePresence, loaded when a channel
// with presence subscribes or tracks, or when the first presence event arrives; an app without presence never loads
// it. The state and its events are realtime-js's, computed here as before.
import {
  type PresenceDiff,
  type PresenceState,
  type RealtimePresenceEvent,
  syncDiff,
  syncState,
  toPresenceEvents,
} from '@shared-realtime/protocol'

export { toPresenceView } from '@shared-realtime/protocol'

/** The state after `update` (a presence_state or a diff), and the join/leave events, then sync. */
export function applyPresence(
  current: PresenceState,
  update: { state: PresenceState } | { diff: PresenceDiff },
): { state: PresenceState; events: RealtimePresenceEvent[] } {
  const result = 'state' in update ? syncState(current, update.state) : syncDiff(current, update.diff)
  return { state: result.state, events: [...toPresenceEvents(result.changes), { event: 'sync' }] }
}
