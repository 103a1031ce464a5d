// postgres_changes for joined channels (PROTOCOL.md §3.10). A join's entries are parsed
// at once (every entry gets an id in the join reply); after the reply they are
// resolved against the database (publication tables, filter values), which gives the
// `system` status: "Subscribed to PostgreSQL" or the server's error text. From then on
// every row change is routed to each channel with a matching subscription, one push per
// distinct `select`, listing the matching ids. The data layer lives in postgres/.

import type { ChannelSession } from './channel.ts'
import type { Logger } from './log.ts'
import {
  type Database,
  parsePostgresChangesParams,
  type PostgresChangesBinding,
  type RowChange,
  routeChange,
} from './postgres/index.ts'

export interface PreparedSubscriptions {
  /** The join reply's `postgres_changes`: each entry as the client sent it, plus its id. */
  reply: unknown[]
  bindings: PostgresChangesBinding[]
  /** The first parse error, if any: the join succeeds, the subscription does not. */
  error?: string
}

export class PostgresFeed {
  readonly #subscriptions = new Map<ChannelSession, PostgresChangesBinding[]>()
  readonly #db: Database
  readonly #log: Logger
  readonly #stop: () => void

  constructor(db: Database, log: Logger) {
    this.#db = db
    this.#log = log
    this.#stop = db.onChange((change) => this.#dispatch(change))
  }

  prepare(entries: unknown[]): PreparedSubscriptions {
    const prepared: PreparedSubscriptions = { reply: [], bindings: [] }
    for (const entry of entries) {
      const result = parsePostgresChangesParams(entry)
      prepared.reply.push({ ...(typeof entry === 'object' && entry !== null ? entry : {}), id: result.id })
      if (result.ok) prepared.bindings.push({ id: result.id, subscription: result.subscription })
      else prepared.error ??= result.message
    }
    return prepared
  }

  /** Resolves the subscriptions against the database and starts delivery; returns the error text, if any. */
  async activate(session: ChannelSession, prepared: PreparedSubscriptions): Promise<string | undefined> {
    if (prepared.error) return prepared.error
    if (!this.#db.autoSync) await this.#db.syncTriggers()
    const resolved: PostgresChangesBinding[] = []
    for (const binding of prepared.bindings) {
      const result = await this.#db.resolveSubscription(binding.subscription)
      if (!result.ok) return result.message
      resolved.push({ id: binding.id, subscription: result.subscription })
    }
    if (session.live) this.#subscriptions.set(session, resolved)
    return undefined
  }

  unsubscribe(session: ChannelSession): void {
    this.#subscriptions.delete(session)
  }

  #dispatch(change: RowChange): void {
    for (const [session, bindings] of this.#subscriptions) {
      for (const payload of routeChange(bindings, change)) {
        session.connection.send({ join_ref: null, ref: null, topic: session.topic, event: 'postgres_changes', payload })
      }
    }
  }

  close(): void {
    this.#stop()
    this.#subscriptions.clear()
    this.#log.debug('postgres feed closed')
  }
}
