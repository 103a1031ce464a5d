// Postgres changes of one server channel, routed to its subscriptions. The server answers a join
// with an id for each postgres binding of the join union; a change carries the ids it matches and
// goes to each subscription with a binding among them, as `bindings` (indexes into that
// subscription's own list). It is converted here, into realtime-js's payload shape and cell types,
// once per subscription (each realtime-js channel gets its own object), not in every tab.

import { bindingReceives, isRecord, toPostgresChangesPayload } from '@shared-realtime/protocol'
import type { JoinUnion } from './join-union.ts'
import type { SubscriptionSet } from './subscriptions.ts'

export class PostgresRouting {
  /** The server's id of each binding of the union, from the last accepted join. */
  #serverIds: Array<number | undefined> = []

  /** A join was accepted: its reply's `postgres_changes` list holds the ids, in the union's order. */
  accepted(union: JoinUnion, response: unknown): void {
    const list = isRecord(response) && Array.isArray(response.postgres_changes) ? response.postgres_changes : []
    this.#serverIds = union.postgres.map((_, i) => {
      const entry: unknown = list[i]
      return isRecord(entry) && typeof entry.id === 'number' ? entry.id : undefined
    })
  }

  /** A `postgres_changes` event, to the subscriptions it is for. */
  deliver(payload: unknown, subscriptions: SubscriptionSet): void {
    if (!isRecord(payload) || !Array.isArray(payload.ids)) return
    const data = isRecord(payload.data) ? (payload.data as { type?: string }) : null
    const routing = { ids: payload.ids as number[], data }
    const union = subscriptions.union
    subscriptions.list.forEach((sub, at) => {
      const bindings: number[] = []
      const indexes = union.indexes[at] ?? []
      indexes.forEach((u, i) => {
        const binding = union.postgres[u]
        if (binding && bindingReceives(binding, this.#serverIds[u], routing)) bindings.push(i)
      })
      if (bindings.length === 0) return
      const change = toPostgresChangesPayload(payload.data as never)
      sub.session.emit({ type: 'postgres_changes', sub: sub.subId, bindings, payload: change })
    })
  }
}
