// Stored broadcasts of private channels, for replay (PROTOCOL.md §3.1). Supabase keeps
// them in realtime.messages; the dev server keeps them in memory, per topic, newest
// `capacity` only. Stored: WebSocket broadcasts sent with `persist`, and private REST
// broadcasts.

import { randomUUID } from 'node:crypto'

export interface StoredMessage {
  id: string
  insertedAt: number
  event: string
  payload: unknown
  binary: boolean
}

export class MessageLog {
  readonly #topics = new Map<string, StoredMessage[]>()
  readonly #now: () => number
  readonly #capacity: number

  constructor(now: () => number, capacity = 1000) {
    this.#now = now
    this.#capacity = capacity
  }

  store(hubKey: string, message: { event: string; payload: unknown; binary: boolean; id?: string }): StoredMessage {
    const stored: StoredMessage = {
      id: message.id ?? randomUUID(),
      insertedAt: this.#now(),
      event: message.event,
      payload: message.payload,
      binary: message.binary,
    }
    const list = this.#topics.get(hubKey) ?? []
    list.push(stored)
    if (list.length > this.#capacity) list.splice(0, list.length - this.#capacity)
    this.#topics.set(hubKey, list)
    return stored
  }

  /** Messages inserted at or after `since` (ms), oldest first, at most `limit` (the newest ones). */
  since(hubKey: string, since: number, limit: number): StoredMessage[] {
    const matching = (this.#topics.get(hubKey) ?? []).filter((m) => m.insertedAt >= since)
    return matching.slice(-limit)
  }
}
