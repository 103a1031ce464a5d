// realtime-js's view of presence (rt/src/phoenix/presenceAdapter.ts): the state as
// `channel.presenceState()` returns it, and changes as the `join` / `leave` payloads
// of channel `presence` events.
//
// Every meta becomes `{...meta, presence_ref}`: `phx_ref` renamed, `phx_ref_prev`
// dropped, other keys kept in order (a `__proto__` key stays plain data). Results are
// deep copies: a caller that edits them cannot reach the sync state. The view record
// has a null prototype, so any presence key is an ordinary key.
// The type parameter `T` is the caller's claim about the meta data, not checked here
// (as realtime-js's `presenceState<T>()`).

import { cloneJson, defineKey, emptyRecord } from './records.ts'
import type {
  Presence,
  PresenceChange,
  PresenceMeta,
  PresenceState,
  RealtimePresenceJoinPayload,
  RealtimePresenceLeavePayload,
  RealtimePresenceState,
} from './types.ts'

/** One meta as realtime-js shows it. */
export function toPresence<T extends object = {}>(meta: PresenceMeta): Presence<T> {
  const presence = {}
  for (const [key, value] of Object.entries(meta)) {
    if (key !== 'phx_ref' && key !== 'phx_ref_prev') defineKey(presence, key, cloneJson(value))
  }
  defineKey(presence, 'presence_ref', meta.phx_ref)
  return presence as Presence<T>
}

/** A list of metas as realtime-js shows it. */
export function toPresences<T extends object = {}>(metas: readonly PresenceMeta[]): Array<Presence<T>> {
  return metas.map((meta) => toPresence<T>(meta))
}

/** The state as realtime-js's `channel.presenceState()` returns it. */
export function toPresenceView<T extends object = {}>(state: PresenceState): RealtimePresenceState<T> {
  const view = emptyRecord<Array<Presence<T>>>()
  for (const [key, entry] of Object.entries(state)) view[key] = toPresences<T>(entry.metas)
  return view
}

/** Changes as the `join` / `leave` payloads realtime-js triggers, in the same order. */
export function toPresenceEvents<T extends object = {}>(
  changes: readonly PresenceChange[],
): Array<RealtimePresenceJoinPayload<T> | RealtimePresenceLeavePayload<T>> {
  return changes.map((change) =>
    change.event === 'join'
      ? {
          event: 'join',
          key: change.key,
          currentPresences: toPresences<T>(change.current),
          newPresences: toPresences<T>(change.added),
        }
      : {
          event: 'leave',
          key: change.key,
          currentPresences: toPresences<T>(change.current),
          leftPresences: toPresences<T>(change.removed),
        },
  )
}
