// Runs in the tab.
// A channel's listeners (realtime-js's `channel.on(type, filter, callback)`): the bindings kept by
// type, and the delivery of one engine event to the bindings it matches. A callback that throws is
// reported on its own (as an uncaught error) and never stops the others.

import type { EngineEvent } from '@shared-realtime/engine'
import {
  isSamePostgresChangesBinding,
  normalizePostgresChangesBinding,
  type PostgresChangesBinding,
  type RealtimePresenceEvent,
} from '@shared-realtime/protocol'
import type { RealtimePresence } from './RealtimePresence.ts'

export interface Binding {
  type: string
  filter: Record<string, unknown>
  callback: (payload: unknown) => void
  /** postgres_changes only: the normalized binding sent to the engine. */
  postgres?: PostgresChangesBinding
}

/** The bindings of one channel, by lower-case type (realtime-js's `channel.bindings`). */
export type Bindings = Record<string, Binding[]>

/**
 * Adds a listener; false when it is a postgres_changes binding identical to one the channel has (realtime-js 2.112:
 * the server collapses identical filters, so a duplicate would desync the lists; it is ignored, callback and all).
 */
export function addBinding(
  bindings: Bindings,
  kind: string,
  filter: Record<string, unknown>,
  callback: (payload: never) => void,
): boolean {
  const binding: Binding = { type: kind, filter, callback: callback as (payload: unknown) => void }
  if (kind === 'postgres_changes') {
    const postgres = normalizePostgresChangesBinding(filter as never)
    const same = (other: Binding) =>
      other.postgres !== undefined && isSamePostgresChangesBinding(other.postgres, postgres)
    if ((bindings[kind] ?? []).some(same)) return false
    binding.postgres = postgres
  }
  ;(bindings[kind] ??= []).push(binding)
  return true
}

/** Calls the bindings `event` is for; presence events go through `presence`, which keeps the state. */
export function deliver(bindings: Bindings, presence: RealtimePresence, event: EngineEvent): void {
  const trigger = (type: string, payload: unknown, match: (filter: Record<string, unknown>) => boolean): void => {
    for (const binding of bindings[type] ?? []) if (match(binding.filter)) safeCall(binding.callback, payload)
  }
  const presenceEvents = (events: RealtimePresenceEvent[]): void => {
    for (const payload of events) trigger('presence', payload, (filter) => matchesEvent(filter, payload.event))
  }
  switch (event.type) {
    case 'broadcast':
      return trigger('broadcast', event.payload, (filter) => matchesEvent(filter, event.payload.event))
    case 'presence-state':
      return presenceEvents(presence.applyState(event.state))
    case 'presence-diff':
      return presenceEvents(presence.applyDiff(event.diff))
    case 'postgres_changes': {
      const list = bindings.postgres_changes ?? []
      for (const index of event.bindings) safeCall(list[index]?.callback, event.payload)
      return
    }
    case 'system':
      return trigger('system', event.payload, () => true)
    case 'message':
      return trigger(event.event, event.payload, () => true)
    default:
      return
  }
}

function matchesEvent(filter: Record<string, unknown>, event: unknown): boolean {
  const wanted = typeof filter.event === 'string' ? filter.event.toLowerCase() : '*'
  return wanted === '*' || (typeof event === 'string' && event.toLowerCase() === wanted)
}

/** A callback that throws is reported on its own (as an uncaught error) and never stops the others. */
export function safeCall<A extends unknown[]>(callback: ((...args: A) => void) | undefined, ...args: A): void {
  if (!callback) return
  try {
    callback(...args)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
