// Checks `presence_state` / `presence_diff` payloads from the network and copies them
// into fresh, null-prototype records that nothing else holds a reference to.
//
// A payload is accepted or rejected whole: one malformed entry (an entry that is not an
// object, `metas` that is not an array, a meta without a string `phx_ref`) rejects it
// with an `invalid-presence-payload` error value, never an exception. Skipping just the
// bad entry was the alternative; it was not taken because a diff applied in part (a
// leave dropped, say) leaves a ghost presence with no error to show for it.
// Not checked: extra fields (ignored) and the meta data itself (any JSON).

import { excerpt } from '../errors.ts'
import { cloneJson, emptyRecord, isRecord, ownValue } from './records.ts'
import type { PresenceDiff, PresenceEntry, PresenceMeta, PresenceState } from './types.ts'

export const PRESENCE_ERROR_KINDS = [
  /** A presence_state or presence_diff payload of the wrong shape. */
  'invalid-presence-payload',
] as const
export type PresenceErrorKind = (typeof PRESENCE_ERROR_KINDS)[number]

export interface PresenceError {
  kind: PresenceErrorKind
  /** Where and what, e.g. `presence_diff.joins["u1"].metas[0].phx_ref: expected a string, got a number`. */
  detail: string
}

export type PresenceParseResult<T> = { ok: true; value: T } | { ok: false; error: PresenceError }

/** Not a valid payload: the reason, as a value. */
class Invalid {
  readonly detail: string
  constructor(detail: string) {
    this.detail = detail
  }
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

const expected = (at: string, what: string, value: unknown): Invalid =>
  new Invalid(`${at}: expected ${what}, got ${kindOf(value)}`)

function meta(value: unknown, at: string): PresenceMeta | Invalid {
  if (!isRecord(value)) return expected(at, 'an object', value)
  const ref = ownValue(value, 'phx_ref')
  if (typeof ref !== 'string') return expected(`${at}.phx_ref`, 'a string', ref)
  const prev = ownValue(value, 'phx_ref_prev')
  if (Object.hasOwn(value, 'phx_ref_prev') && typeof prev !== 'string') {
    return expected(`${at}.phx_ref_prev`, 'a string', prev)
  }
  return cloneJson(value) as PresenceMeta
}

function entry(value: unknown, at: string): PresenceEntry | Invalid {
  if (!isRecord(value)) return expected(at, 'an object', value)
  const metas = ownValue(value, 'metas')
  if (!Array.isArray(metas)) return expected(`${at}.metas`, 'an array', metas)
  const copies: PresenceMeta[] = []
  for (const [index, item] of metas.entries()) {
    const copy = meta(item, `${at}.metas[${index}]`)
    if (copy instanceof Invalid) return copy
    copies.push(copy)
  }
  return { metas: copies }
}

function presenceMap(value: unknown, at: string): PresenceState | Invalid {
  if (!isRecord(value)) return expected(at, 'an object', value)
  const state = emptyRecord<PresenceEntry>()
  for (const [key, item] of Object.entries(value)) {
    const copy = entry(item, `${at}[${excerpt(JSON.stringify(key), 60)}]`)
    if (copy instanceof Invalid) return copy
    state[key] = copy
  }
  return state
}

function result<T>(value: T | Invalid): PresenceParseResult<T> {
  return value instanceof Invalid
    ? { ok: false, error: { kind: 'invalid-presence-payload', detail: value.detail } }
    : { ok: true, value }
}

/** Checks and copies a `presence_state` payload. */
export function parsePresenceState(payload: unknown): PresenceParseResult<PresenceState> {
  return result(presenceMap(payload, 'presence_state'))
}

/** Checks and copies a `presence_diff` payload; both `joins` and `leaves` are required. */
export function parsePresenceDiff(payload: unknown): PresenceParseResult<PresenceDiff> {
  if (!isRecord(payload)) return result<PresenceDiff>(expected('presence_diff', 'an object', payload))
  const joins = presenceMap(ownValue(payload, 'joins'), 'presence_diff.joins')
  if (joins instanceof Invalid) return result<PresenceDiff>(joins)
  const leaves = presenceMap(ownValue(payload, 'leaves'), 'presence_diff.leaves')
  if (leaves instanceof Invalid) return result<PresenceDiff>(leaves)
  return { ok: true, value: { joins, leaves } }
}
