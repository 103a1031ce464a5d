// Runs in the tab.
// RealtimePresence: the presence state of one channel as realtime-js shows it
// (`{key: [{presence_ref, ...meta}]}`), kept from the state and diffs the engine forwards
// (already ordered: diffs that arrived before their state were applied by the engine).
// The code that applies them is a chunk of its own (presence-sync.ts, decision 77): a channel with presence loads it
// when it subscribes or tracks, and the client holds its events from the first presence event until it has loaded
// (RealtimeClient #onEvents), so the events and the state are realtime-js's, in its order; before any presence event
// the state is empty either way.
import type {
  PresenceDiff,
  PresenceState,
  RealtimePresenceEvent,
  RealtimePresenceState,
} from '@shared-realtime/protocol'
import type * as PresenceSync from './presence-sync.ts'

let code: typeof PresenceSync | undefined
let loading: Promise<unknown> | undefined

/** Loads the presence code once (again after a failed load); resolves when it is there. */
export function loadPresence(): Promise<unknown> {
  loading ??= import('./presence-sync.ts').then(
    (loaded) => (code = loaded),
    (error: unknown) => {
      loading = undefined
      throw error
    },
  )
  return loading
}

/** Whether presence events can be applied now (the presence code has loaded). */
export const presenceReady = (): boolean => code !== undefined

export class RealtimePresence {
  #state: PresenceState = Object.create(null) as PresenceState

  /** The state in realtime-js's shape (a copy). */
  get state(): RealtimePresenceState {
    // no presence event is applied before the code has loaded: the state is empty (a record without prototype)
    return code ? code.toPresenceView(this.#state) : (Object.create(null) as RealtimePresenceState)
  }

  /** Applies a forwarded presence_state; returns the join/leave events, then sync. Needs presenceReady(). */
  applyState(state: PresenceState): RealtimePresenceEvent[] {
    return this.#apply({ state })
  }

  applyDiff(diff: PresenceDiff): RealtimePresenceEvent[] {
    return this.#apply({ diff })
  }

  #apply(update: { state: PresenceState } | { diff: PresenceDiff }): RealtimePresenceEvent[] {
    if (!code) throw new Error('presence event before the presence code loaded (RealtimeClient holds them)')
    const result = code.applyPresence(this.#state, update)
    this.#state = result.state
    return result.events
  }
}
