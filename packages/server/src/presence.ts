// Presence on the server (PROTOCOL.md §3.9): per topic, each channel session tracks at
// most one meta under its presence key. Tracking the same payload again is a no-op;
// a different payload replaces the meta (a diff with the new meta in `joins`, carrying
// `phx_ref_prev`, and the old one in `leaves`). phx_ref is an opaque random string.

import { randomBytes } from 'node:crypto'
import type { ChannelSession } from './channel.ts'

type Meta = Record<string, unknown> & { phx_ref: string }
type Metas = Record<string, { metas: Meta[] }>
export interface PresenceDiff {
  joins: Metas
  leaves: Metas
}

interface Entry {
  key: string
  meta: Meta
  payload: unknown
}

const newRef = () => randomBytes(12).toString('base64url')

/**
 * A map object for keys from clients: no prototype, so "__proto__", "constructor" or "toString" are keys like
 * any other (a plain object would read Object.prototype's members, or set the object's prototype).
 */
function keyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

export class PresenceStore {
  /** hub key → session → its entry */
  readonly #topics = new Map<string, Map<ChannelSession, Entry>>()

  /** Returns the diff to publish, or null when nothing changed. */
  track(session: ChannelSession, key: string, payload: Record<string, unknown>): PresenceDiff | null {
    let entries = this.#topics.get(session.hubKey)
    if (!entries) this.#topics.set(session.hubKey, (entries = new Map()))
    const current = entries.get(session)
    if (current && current.key === key && sameJson(current.payload, payload)) return null
    const meta: Meta = { ...payload, phx_ref: newRef() }
    if (current && current.key === key) meta.phx_ref_prev = current.meta.phx_ref
    entries.set(session, { key, meta, payload })
    const diff: PresenceDiff = { joins: keyed(), leaves: keyed() }
    diff.joins[key] = { metas: [meta] }
    if (current) diff.leaves[current.key] = { metas: [current.meta] }
    return diff
  }

  /** Removes the session's meta; returns the diff, or null when it tracked nothing. */
  untrack(session: ChannelSession): PresenceDiff | null {
    const entries = this.#topics.get(session.hubKey)
    const current = entries?.get(session)
    if (!entries || !current) return null
    entries.delete(session)
    if (entries.size === 0) this.#topics.delete(session.hubKey)
    const diff: PresenceDiff = { joins: keyed(), leaves: keyed() }
    diff.leaves[current.key] = { metas: [current.meta] }
    return diff
  }

  /** The `presence_state` payload for a topic. */
  state(hubKey: string): Metas {
    const state: Metas = keyed()
    for (const { key, meta } of this.#topics.get(hubKey)?.values() ?? []) {
      ;(state[key] ??= { metas: [] }).metas.push(meta)
    }
    return state
  }

  get size(): number {
    let n = 0
    for (const entries of this.#topics.values()) n += entries.size
    return n
  }
}
