// One channel's presence as a pure reducer: applyPresenceEvent(sync, input) →
// { sync, events }, where events are the channel `presence` payloads realtime-js would
// trigger for that input, in order (joins, leaves, then one `sync`). The driver commits
// `sync`, then emits `events`. Ordering follows phoenix.js Presence:
//
//   input            its joinRef                             result
//   presence_state   any                                     syncState, then the buffered diffs
//                                                            of that joinRef; events, sync
//   presence_diff    the joinRef of the last presence_state  syncDiff; events, sync
//   presence_diff    any other (or no presence_state yet)    buffered; no events
//
// `joinRef` is the channel's join ref when the input arrives (phoenix reads
// `channel.joinRef()`; a presence_diff frame carries none). Phoenix buffers every diff
// while its joinRef differs from the one of the last presence_state
// (`inPendingSyncState`), and so do we: a diff with a stale joinRef (an older join) is
// never applied to the current state. It is buffered, and dropped by the next diff or
// presence_state of another joinRef (below).
// Two choices beyond Phoenix, which applies every buffered diff after the next
// presence_state, whichever join it came from:
//  - a diff with a joinRef other than the buffered diffs' resets the buffer to just
//    itself (a new join supersedes the old one, whose presence_state never comes);
//  - a presence_state applies only the buffered diffs of its own joinRef and drops the
//    others: diffs of another join session on top of this snapshot could bring back
//    presences that have already left.
// A malformed payload changes nothing: `ok: false` with the same `sync` and no events.

import { type PresenceError, parsePresenceDiff, parsePresenceState } from './parse.ts'
import { emptyRecord } from './records.ts'
import { syncDiff, syncState } from './state.ts'
import type { PresenceChange, PresenceDiff, PresenceState, RealtimePresenceEvent } from './types.ts'
import { toPresenceEvents } from './view.ts'

export interface PendingPresenceDiff {
  joinRef: string
  diff: PresenceDiff
}

export interface PresenceSync {
  /** The joinRef of the last presence_state applied; null before the first. */
  readonly joinRef: string | null
  readonly state: PresenceState
  /** Diffs waiting for the presence_state of their joinRef, oldest first. */
  readonly pendingDiffs: readonly PendingPresenceDiff[]
}

/** A `presence_state` or `presence_diff` payload as it arrived, not yet checked. */
export interface PresenceInput {
  kind: 'state' | 'diff'
  /** The channel's join ref when the payload arrived. */
  joinRef: string
  payload: unknown
}

export type PresenceStep =
  | { ok: true; sync: PresenceSync; events: RealtimePresenceEvent[] }
  | { ok: false; sync: PresenceSync; events: []; error: PresenceError }

export function initialPresenceSync(): PresenceSync {
  return { joinRef: null, state: emptyRecord(), pendingDiffs: [] }
}

const applied = (sync: PresenceSync, changes: PresenceChange[]): PresenceStep => ({
  ok: true,
  sync,
  events: [...toPresenceEvents(changes), { event: 'sync' }],
})

export function applyPresenceEvent(sync: PresenceSync, input: PresenceInput): PresenceStep {
  const { joinRef } = input
  if (input.kind === 'state') {
    const parsed = parsePresenceState(input.payload)
    if (!parsed.ok) return { ok: false, sync, events: [], error: parsed.error }
    let { state, changes } = syncState(sync.state, parsed.value)
    for (const pending of sync.pendingDiffs) {
      if (pending.joinRef !== joinRef) continue
      const step = syncDiff(state, pending.diff)
      state = step.state
      changes = [...changes, ...step.changes]
    }
    return applied({ joinRef, state, pendingDiffs: [] }, changes)
  }

  const parsed = parsePresenceDiff(input.payload)
  if (!parsed.ok) return { ok: false, sync, events: [], error: parsed.error }
  if (sync.joinRef !== joinRef) {
    const sameJoin = sync.pendingDiffs.filter((pending) => pending.joinRef === joinRef)
    const pendingDiffs = [...sameJoin, { joinRef, diff: parsed.value }]
    return { ok: true, sync: { ...sync, pendingDiffs }, events: [] }
  }
  const { state, changes } = syncDiff(sync.state, parsed.value)
  return applied({ ...sync, state }, changes)
}
