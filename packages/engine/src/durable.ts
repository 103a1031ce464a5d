// The durable outbox's storage side (DESIGN.md "Persistence"): broadcasts sent with
// `{ durable: true }` kept in the injected Storage until the server acknowledges them, so
// that they survive a reload or the closing of every tab and go out after the next join.
//
// One key per topic and namespace holds the topic's items in creation order:
//   live  { id, topic, payload, createdAt, expiresAt, claim? }   waiting to be acknowledged
//   done  { id, done: true, expiresAt }                          acknowledged a moment ago
// Every change is one atomic Storage.update, because several engines of one browser may
// share the store (a dedicated worker per tab, pages). An engine pushes an item only after
// claiming it: a lease `{ by: <engine>, until }` as long as the push can wait for its
// answer. Another engine skips an item leased to someone else until the lease runs out
// (an engine that died holding one: its items go out with the next join after that).
// `done` items are remembered for DONE_MEMORY_MS, so a send repeated with the same id (a
// tab whose worker died before answering runs the command again) is not stored twice.
// Expired items are dropped by whichever update sees them first.

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
  claim?: { by: string; until: number }
}

interface DoneItem {
  id: string
  done: true
  expiresAt: number
}

type Item = DurableEntry | DoneItem

export const DEFAULT_DURABLE_TTL_MS = 24 * 60 * 60 * 1000
export const MAX_DURABLE_TTL_MS = 30 * 24 * 60 * 60 * 1000
export const DEFAULT_DURABLE_LIMIT = 1000
export const DONE_MEMORY_MS = 5 * 60 * 1000

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

export type AddOutcome = 'added' | 'stored already' | 'acknowledged already'

export class DurableStore {
  readonly #o: DurableStoreOptions
  /** Items claimed by this engine: their push is queued or awaiting its answer, or their deletion is under way. */
  readonly #inFlight = new Set<string>()

  constructor(options: DurableStoreOptions) {
    this.#o = options
  }

  get inFlight(): number {
    return this.#inFlight.size
  }

  key(topic: string): string {
    return JSON.stringify(['outbox', this.#o.namespace, topic])
  }

  /** Stores a new item, unclaimed, after the others of its topic. @throws {OutboxFullError} over the limit */
  async add(topic: string, id: string, payload: Record<string, unknown>, ttlMs: number): Promise<AddOutcome> {
    const now = this.#o.clock.now()
    let outcome = 'added' as AddOutcome | 'full'
    await this.#update(topic, now, (items) => {
      const existing = items.find((item) => item.id === id)
      if (existing) outcome = isLive(existing) ? 'stored already' : 'acknowledged already'
      else if (items.filter(isLive).length >= this.#o.limit) outcome = 'full'
      else items.push({ id, topic, payload, createdAt: now, expiresAt: now + ttlMs })
      return items
    })
    if (outcome === 'full') throw new OutboxFullError(topic, this.#o.limit)
    return outcome
  }

  /**
   * Claims what this engine may push now, oldest first, at most `max`: live, not in flight
   * here, not leased to another engine. `more`: some were left for lack of room;
   * `leasedUntil`: the earliest end of another engine's lease.
   */
  async take(
    topic: string,
    max: number,
    leaseMs: number,
  ): Promise<{ entries: DurableEntry[]; more: boolean; leasedUntil?: number }> {
    const now = this.#o.clock.now()
    const owner = this.#o.owner
    let entries: DurableEntry[] = []
    let more = false
    let leasedUntil: number | undefined
    try {
      await this.#update(topic, now, (items) => {
        entries = []
        for (const item of items) {
          if (!isLive(item) || this.#inFlight.has(item.id)) continue
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
        return items
      })
    } catch (error) {
      for (const entry of entries) this.#inFlight.delete(entry.id)
      throw error
    }
    return leasedUntil === undefined ? { entries, more } : { entries, more, leasedUntil }
  }

  /** The server answered its push: from now on it is `done`. Called as the answer arrives. */
  async acknowledged(entry: DurableEntry): Promise<void> {
    const now = this.#o.clock.now()
    try {
      await this.#update(entry.topic, now, (items) =>
        items.map((item) =>
          item.id === entry.id ? { id: item.id, done: true, expiresAt: now + DONE_MEMORY_MS } : item,
        ),
      )
    } catch (error) {
      // it stays in flight here (never pushed again by this engine); another engine may, after the lease
      this.#o.logger.error(`durable outbox: could not delete acknowledged ${entry.id} on ${entry.topic}`, error)
      return
    }
    this.#inFlight.delete(entry.id)
  }

  /** Its push ended without an answer (timed out, socket or channel gone): kept, unclaimed, for the next join. */
  async release(entry: DurableEntry): Promise<void> {
    try {
      await this.#update(entry.topic, this.#o.clock.now(), (items) => {
        for (const item of items)
          if (item.id === entry.id && isLive(item) && item.claim?.by === this.#o.owner) delete item.claim
        return items
      })
    } catch (error) {
      this.#o.logger.warn(
        `durable outbox: could not release ${entry.id} on ${entry.topic} (another engine takes it when the lease ends)`,
        error,
      )
    }
    this.#inFlight.delete(entry.id)
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

const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join('')

/** A random id: crypto.randomUUID where the platform has it (browsers, workers, Node ≥ 19), else Math.random. */
export function defaultRandomId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID()
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(Math.random() * 4)]}${hex(3)}-${hex(12)}`
}
