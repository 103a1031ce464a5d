// Test helpers for the presence tests: deep freezing (a write to a frozen input throws
// in module code, so a test over frozen inputs fails on any mutation) and fixtures in
// the shapes the Phoenix presence tests use.

import type { PresenceMeta, PresenceState } from './types.ts'

export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const item of Object.values(value)) deepFreeze(item)
  }
  return value
}

/** `{key: {metas}}` from `{key: [meta, ...]}`. */
export function presences(entries: Record<string, PresenceMeta[]>): PresenceState {
  return Object.fromEntries(Object.entries(entries).map(([key, metas]) => [key, { metas }]))
}

export const fixtures = {
  joins: (): PresenceState => presences({ u1: [{ id: 1, phx_ref: '1.2' }] }),
  leaves: (): PresenceState => presences({ u2: [{ id: 2, phx_ref: '2' }] }),
  state: (): PresenceState =>
    presences({
      u1: [{ id: 1, phx_ref: '1' }],
      u2: [{ id: 2, phx_ref: '2' }],
      u3: [{ id: 3, phx_ref: '3' }],
    }),
}
