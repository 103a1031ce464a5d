// Stored broadcasts of private channels, for replay (PROTOCOL.md §3.1). Supabase keeps
// them in realtime.messages; the dev server keeps them in memory, per topic, newest
// `perTopic` only, and bounded as a whole: at most `maxBytes` of payload (oldest dropped
// first, whatever its topic) and none older than `maxAgeMs` (Supabase drops its partitions
// after 3 days). Stored: WebSocket broadcasts sent with `persist` (once they passed the
// rate check), and private REST broadcasts.

import { randomUUID } from 'node:crypto'

export interface StoredMessage {
  id: string
  insertedAt: number
  event: string
  payload: unknown
  binary: boolean
}

export interface MessageLogBounds {
  /** Newest messages kept per topic. Default 1000. */
  perTopic?: number
  /** Total size of the stored payloads and event names, in bytes. Default 50 MB. */
  maxBytes?: number
  /** Age after which a message is dropped. Default 3 days. */
  maxAgeMs?: number
}

interface Entry {
  hubKey: string
  message: StoredMessage
  bytes: number
  dropped: boolean
}

function sizeOf(message: { event: string; payload: unknown }): number {
  const payload = message.payload
  const bytes =
    payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)
      ? payload.byteLength
      : Buffer.byteLength(JSON.stringify(payload) ?? '')
  return bytes + Buffer.byteLength(message.event) + 64
}

export class MessageLog {
  readonly #topics = new Map<string, Entry[]>()
  /** Every live entry, oldest first (insertion order), for the global byte and age bounds. */
  #all: Entry[] = []
  #head = 0
  #bytes = 0
  #count = 0
  readonly #now: () => number
  readonly #perTopic: number
  readonly #maxBytes: number
  readonly #maxAgeMs: number

  constructor(now: () => number, bounds: MessageLogBounds | number = {}) {
    const b = typeof bounds === 'number' ? { perTopic: bounds } : bounds
    this.#now = now
    this.#perTopic = b.perTopic ?? 1000
    this.#maxBytes = b.maxBytes ?? 50_000_000
    this.#maxAgeMs = b.maxAgeMs ?? 3 * 24 * 3600 * 1000
  }

  /** Bytes held (payloads and event names, plus a fixed overhead per message). */
  get bytes(): number {
    return this.#bytes
  }

  /** Messages held. */
  get size(): number {
    return this.#count
  }

  store(hubKey: string, message: { event: string; payload: unknown; binary: boolean; id?: string }): StoredMessage {
    const stored: StoredMessage = {
      id: message.id ?? randomUUID(),
      insertedAt: this.#now(),
      event: message.event,
      payload: message.payload,
      binary: message.binary,
    }
    const entry: Entry = { hubKey, message: stored, bytes: sizeOf(message), dropped: false }
    const list = this.#topics.get(hubKey) ?? []
    list.push(entry)
    this.#topics.set(hubKey, list)
    this.#all.push(entry)
    this.#bytes += entry.bytes
    this.#count++
    if (list.length > this.#perTopic) for (const old of list.splice(0, list.length - this.#perTopic)) this.#drop(old)
    this.#expire()
    return stored
  }

  /** Messages inserted at or after `since` (ms), oldest first, at most `limit` (the newest ones). */
  since(hubKey: string, since: number, limit: number): StoredMessage[] {
    this.#expire()
    const matching = (this.#topics.get(hubKey) ?? []).filter((e) => e.message.insertedAt >= since)
    return matching.slice(-limit).map((e) => e.message)
  }

  #drop(entry: Entry): void {
    if (entry.dropped) return
    entry.dropped = true
    this.#bytes -= entry.bytes
    this.#count--
  }

  /** Drops messages over the age bound and, oldest first, until the bytes are under the byte bound. */
  #expire(): void {
    const oldest = this.#now() - this.#maxAgeMs
    while (this.#head < this.#all.length) {
      const entry = this.#all[this.#head]!
      if (!entry.dropped && entry.message.insertedAt >= oldest && this.#bytes <= this.#maxBytes) break
      this.#head++
      if (entry.dropped) continue
      this.#drop(entry)
      const list = this.#topics.get(entry.hubKey)
      if (list) {
        const at = list.indexOf(entry)
        if (at !== -1) list.splice(at, 1)
        if (list.length === 0) this.#topics.delete(entry.hubKey)
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#all.length) {
      this.#all = this.#all.slice(this.#head)
      this.#head = 0
    }
  }
}
