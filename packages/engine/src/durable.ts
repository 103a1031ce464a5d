// The durable outbox's storage side (DESIGN.md "Persistence"): broadcasts sent with
// `{ durable: true }` kept in the injected Storage until the server acknowledges them, so
// that they survive a reload or the closing of every tab and go out after the next join.
//
// One key per topic and namespace holds the topic's items in creation order:
//   live  { id, topic, payload, createdAt, expiresAt, identity, strikes?, claim? }   waiting to be acknowledged
//   done  { id, done: true, expiresAt, failed? }           answered (or failed) a moment ago
// `identity` is who stored it (jwt.ts tokenIdentity: `<role>:<sub>` or `anon`): an engine takes
// only the items of its current token's identity. Items stored before identities existed
// (none) are dropped when seen: whose they are cannot be known.
// `strikes` counts the ambiguous refusals (the socket closed 1009 while its push waited for
// its answer; no answer within the timeout while the socket stayed up): at MAX_STRIKES the item
// fails (README "Durable sends": never a loop). An error reply fails it at once.
// Every change is one atomic Storage.update, because several engines of one browser may
// share the store (a dedicated worker per tab, pages). An engine pushes an item only after
// claiming it: a lease `{ by: <engine>, until }` as long as the push can wait for its
// answer. Another engine skips an item leased to someone else until the lease runs out
// (an engine that died holding one: its items go out with the next join after that).
// `done` items are remembered for DONE_MEMORY_MS, so a send repeated with the same id (a
// tab whose worker died before answering runs the command again) is not stored twice.
// Expired items are dropped by whichever update sees them first.

import { randomUuid } from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'
import type { Logger } from './logger.ts'
import { OutboxFullError } from './outbox.ts'
import type { Storage } from './storage.ts'

export interface DurableEntry {
  id: string
  topic: string
  payload: Record<string, unknown>
  createdAt: number
  expiresAt: number
  /** Who stored it (tokenIdentity); sent only under a token of this identity. */
  identity: string
  /** Ambiguous refusals so far (1009, silence). */
  strikes?: number
  claim?: { by: string; until: number }
}

interface DoneItem {
  id: string
  done: true
  expiresAt: number
  /** Why it failed, when it did. */
  failed?: string
}

type Item = DurableEntry | DoneItem

export const DEFAULT_DURABLE_TTL_MS = 24 * 60 * 60 * 1000
export const MAX_DURABLE_TTL_MS = 30 * 24 * 60 * 60 * 1000
export const DEFAULT_DURABLE_LIMIT = 1000
export const DONE_MEMORY_MS = 5 * 60 * 1000
/** Ambiguous refusals (1009, no answer) after which an item fails: it is pushed at most this many times. */
export const MAX_STRIKES = 2

const isLive = (item: Item): item is DurableEntry => !('done' in item)

export interface DurableStoreOptions {
  storage: Storage
  /** Separates engines of different projects in one store (EngineOptions.storageKey). */
  namespace: string
  clock: Clock
  logger: Logger
  /** This engine, as written in its claims. */
  owner: string
  /** Live items per topic at most. */
  limit: number
}

export type AddOutcome = 'added' | 'stored already' | 'acknowledged already' | 'failed already'

export class DurableStore {
  readonly #o: DurableStoreOptions
  /** Items claimed by this engine: their push is queued or awaiting its answer, or their deletion is under way. */
  readonly #inFlight = new Set<string>()
  #warnedMemory = false

  constructor(options: DurableStoreOptions) {
    this.#o = options
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  /** Where the items are kept: `indexeddb` (they last), `memory` (lost with the engine), `custom` (unknown Storage). */
  get storageKind(): 'indexeddb' | 'memory' | 'custom' {
    return this.#o.storage.kind ?? 'custom'
  }

  key(topic: string): string {
    return JSON.stringify(['outbox', this.#o.namespace, topic])
  }

  /** Stores a new item, unclaimed, after the others of its topic. @throws {OutboxFullError} over the limit */
  async add(
    topic: string,
    id: string,
    payload: Record<string, unknown>,
    ttlMs: number,
    identity: string,
  ): Promise<AddOutcome> {
    const now = this.#o.clock.now()
    let outcome = 'added' as AddOutcome | 'full'
    await this.#update(topic, now, (items) => {
      const existing = items.find((item) => item.id === id)
      if (existing)
        outcome = isLive(existing) ? 'stored already' : existing.failed ? 'failed already' : 'acknowledged already'
      else if (items.filter(isLive).length >= this.#o.limit) outcome = 'full'
      else items.push({ id, topic, payload, createdAt: now, expiresAt: now + ttlMs, identity })
      return items
    })
    if (outcome === 'full') throw new OutboxFullError(topic, this.#o.limit)
    if (this.#o.storage.kind === 'memory' && !this.#warnedMemory) {
      this.#warnedMemory = true
      this.#o.logger.warn(
        'durable send kept in memory only (no IndexedDB here): it is lost when this engine goes (inspect().durable.storage)',
      )
    }
    return outcome
  }

  /**
   * Claims what this engine may push now, oldest first, at most `max`: live, of `identity`, not
   * in flight here, not leased to another engine. `more`: some were left for lack of room;
   * `leasedUntil`: the earliest end of another engine's lease.
   */
  async take(
    topic: string,
    max: number,
    leaseMs: number,
    identity: string,
  ): Promise<{ entries: DurableEntry[]; more: boolean; leasedUntil?: number }> {
    const now = this.#o.clock.now()
    const owner = this.#o.owner
    let entries: DurableEntry[] = []
    let more = false
    let leasedUntil: number | undefined
    try {
      await this.#update(topic, now, (items) => {
        entries = []
        const kept = items.filter((item) => !isLive(item) || typeof item.identity === 'string')
        if (kept.length < items.length) this.#o.logger.warn(`durable outbox: dropped items of no identity on ${topic}`)
        for (const item of kept) {
          if (!isLive(item) || item.identity !== identity || this.#inFlight.has(item.id)) continue
          if (item.claim && item.claim.by !== owner && item.claim.until > now) {
            leasedUntil = Math.min(leasedUntil ?? Infinity, item.claim.until)
          } else if (entries.length >= max) {
            more = true
          } else {
            item.claim = { by: owner, until: now + leaseMs }
            entries.push(item)
            this.#inFlight.add(item.id)
          }
        }
        return kept
      })
    } catch (error) {
      for (const entry of entries) this.#inFlight.delete(entry.id)
      throw error
    }
    return leasedUntil === undefined ? { entries, more } : { entries, more, leasedUntil }
  }

  /** The server answered its push (`failed`: refused, why): from now on it is `done`. Called as the answer arrives. */
  async acknowledged(entry: DurableEntry, failed?: string): Promise<void> {
    const now = this.#o.clock.now()
    try {
      await this.#update(entry.topic, now, (items) =>
        items.map((item) => (item.id === entry.id ? done(item.id, now, failed) : item)),
      )
    } catch (error) {
      // it stays in flight here (never pushed again by this engine); another engine may, after the lease
      this.#o.logger.error(`durable outbox: could not delete acknowledged ${entry.id} on ${entry.topic}`, error)
      return
    }
    this.#inFlight.delete(entry.id)
  }

  /** One more ambiguous refusal of its push (the socket closed 1009 while it waited), written at once. */
  async strike(entry: DurableEntry): Promise<void> {
    try {
      await this.#update(entry.topic, this.#o.clock.now(), (items) => {
        for (const item of items) if (item.id === entry.id && isLive(item)) item.strikes = (item.strikes ?? 0) + 1
        return items
      })
    } catch (error) {
      this.#o.logger.warn(`durable outbox: could not count a refusal of ${entry.id} on ${entry.topic}`, error)
    }
  }

  /**
   * Its push ended without an answer (timed out, socket or channel gone): kept, unclaimed, for the
   * next join — unless `strike` (no answer while the socket stayed up) or an earlier strike brings
   * it to MAX_STRIKES: then it is `done`, failed, and this resolves 'failed'.
   */
  async release(entry: DurableEntry, strike = false): Promise<'kept' | 'failed'> {
    const now = this.#o.clock.now()
    let outcome: 'kept' | 'failed' = 'kept'
    try {
      await this.#update(entry.topic, now, (items) =>
        items.map((item) => {
          if (item.id !== entry.id || !isLive(item)) return item
          const strikes = (item.strikes ?? 0) + (strike ? 1 : 0)
          if (strikes >= MAX_STRIKES) {
            outcome = 'failed'
            return done(item.id, now, 'refused')
          }
          if (strikes > 0) item.strikes = strikes
          if (item.claim?.by === this.#o.owner) delete item.claim
          return item
        }),
      )
    } catch (error) {
      this.#o.logger.warn(
        `durable outbox: could not release ${entry.id} on ${entry.topic} (another engine takes it when the lease ends)`,
        error,
      )
    }
    this.#inFlight.delete(entry.id)
    return outcome
  }

  /** Deletes every stored durable item of `storage`, of every namespace and identity; resolves with how many were live. */
  async clearAll(): Promise<number> {
    const storage = this.#o.storage
    if (!storage.keys) throw new Error('clearDurable(): this storage cannot list its keys (Storage.keys)')
    let removed = 0
    for (const key of await storage.keys()) {
      if (typeof key !== 'string' || !key.startsWith('["outbox",')) continue
      await storage.update<Item[]>(key, (current) => {
        if (Array.isArray(current)) removed += current.filter(isLive).length
        return undefined
      })
    }
    this.#inFlight.clear()
    return removed
  }

  /** Live items of a topic (tests, inspect). */
  async entries(topic: string): Promise<DurableEntry[]> {
    const items = (await this.#o.storage.get<Item[]>(this.key(topic))) ?? []
    return items.filter(isLive)
  }

  /** One atomic change of a topic's items, expired ones dropped first; an empty list deletes the key. */
  #update(topic: string, now: number, change: (items: Item[]) => Item[]): Promise<unknown> {
    return this.#o.storage.update<Item[]>(this.key(topic), (current) => {
      const items = change((Array.isArray(current) ? current : []).filter((item) => item.expiresAt > now))
      return items.length > 0 ? items : undefined
    })
  }
}

const done = (id: string, now: number, failed: string | undefined): DoneItem => ({
  id,
  done: true,
  expiresAt: now + DONE_MEMORY_MS,
  ...(failed === undefined ? {} : { failed }),
})

/** A random id (UUID v4) from crypto.getRandomValues: it needs no secure context, where crypto.randomUUID does. */
export const defaultRandomId = (): string => randomUuid()
