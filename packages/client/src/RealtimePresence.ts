// Runs in the tab.
// RealtimePresence: the presence state of one channel as realtime-js shows it
// (`{key: [{presence_ref, ...meta}]}`), kept from the state and diffs the engine forwards
// (already ordered: diffs that arrived before their state were applied by the engine).
import {
  type PresenceDiff,
  type PresenceState,
  type RealtimePresenceEvent,
  type RealtimePresenceState,
  syncDiff,
  syncState,
  toPresenceEvents,
  toPresenceView,
} from '@shared-realtime/protocol'

export class RealtimePresence {
  #state: PresenceState = Object.create(null) as PresenceState

  /** The state in realtime-js's shape (a copy). */
  get state(): RealtimePresenceState {
    return toPresenceView(this.#state)
  }

  /** Applies a forwarded presence_state; returns the join/leave events, then sync. */
  applyState(state: PresenceState): RealtimePresenceEvent[] {
    const result = syncState(this.#state, state)
    this.#state = result.state
    return [...toPresenceEvents(result.changes), { event: 'sync' }]
  }

  applyDiff(diff: PresenceDiff): RealtimePresenceEvent[] {
    const result = syncDiff(this.#state, diff)
    this.#state = result.state
    return [...toPresenceEvents(result.changes), { event: 'sync' }]
  }
}
