// The Phoenix presence algorithm (phoenix.js Presence.syncState / syncDiff) as pure
// functions: the inputs are never written to, the result is a new state plus the
// join/leave changes in the order Phoenix fires onJoin/onLeave.
//
// Same semantics as Phoenix, including its quirks:
//  - syncState diffs the incoming state against the current one by phx_ref and applies
//    that diff; a ref present on both sides keeps the current meta (its data is not
//    refreshed from the incoming state).
//  - a join puts the key's current metas first (minus any whose ref is joining), then
//    the joining metas; a ref already present is replaced and moves to the end.
//  - a leave removes metas by phx_ref and deletes a key left with no metas; a leave for
//    an unknown key does nothing; a leave for a known key is reported even when none of
//    its refs matched.
//  - a join with no metas for a new key keeps the key with `metas: []`.
// Unlike Phoenix: keys are read as own properties only, so a presence key named after
// an Object.prototype member (`constructor`, `__proto__`) is an ordinary key.

import { emptyRecord, ownValue } from './records.ts'
import type {
  PresenceChange,
  PresenceDiff,
  PresenceEntry,
  PresenceMeta,
  PresenceState,
  PresenceSyncResult,
} from './types.ts'

const refsOf = (metas: readonly PresenceMeta[]): Set<string> => new Set(metas.map((meta) => meta.phx_ref))

/**
 * Replaces `current` with `incoming` (a full `presence_state`), reporting a join for
 * every new ref and a leave for every ref that is gone.
 */
export function syncState(current: PresenceState, incoming: PresenceState): PresenceSyncResult {
  const joins = emptyRecord<PresenceEntry>()
  const leaves = emptyRecord<PresenceEntry>()

  for (const [key, entry] of Object.entries(current)) {
    if (!Object.hasOwn(incoming, key)) leaves[key] = entry
  }
  for (const [key, next] of Object.entries(incoming)) {
    const before = ownValue(current, key)
    if (before === undefined) {
      joins[key] = next
      continue
    }
    const nextRefs = refsOf(next.metas)
    const beforeRefs = refsOf(before.metas)
    const joined = next.metas.filter((meta) => !beforeRefs.has(meta.phx_ref))
    const left = before.metas.filter((meta) => !nextRefs.has(meta.phx_ref))
    if (joined.length > 0) joins[key] = { metas: joined }
    if (left.length > 0) leaves[key] = { metas: left }
  }
  return syncDiff(current, { joins, leaves })
}

/** Applies a `presence_diff`: every join, then every leave. */
export function syncDiff(current: PresenceState, diff: PresenceDiff): PresenceSyncResult {
  const state = emptyRecord<PresenceEntry>()
  for (const [key, entry] of Object.entries(current)) state[key] = entry
  const changes: PresenceChange[] = []

  for (const [key, joining] of Object.entries(diff.joins)) {
    const before = ownValue(state, key)?.metas ?? []
    const joiningRefs = refsOf(joining.metas)
    const kept = before.filter((meta) => !joiningRefs.has(meta.phx_ref))
    state[key] = { metas: [...kept, ...joining.metas] }
    changes.push({ event: 'join', key, current: before, added: joining.metas })
  }

  for (const [key, leaving] of Object.entries(diff.leaves)) {
    const before = ownValue(state, key)
    if (before === undefined) continue
    const leavingRefs = refsOf(leaving.metas)
    const remaining = before.metas.filter((meta) => !leavingRefs.has(meta.phx_ref))
    if (remaining.length === 0) delete state[key]
    else state[key] = { metas: remaining }
    changes.push({ event: 'leave', key, current: remaining, removed: leaving.metas })
  }

  return { state, changes }
}
