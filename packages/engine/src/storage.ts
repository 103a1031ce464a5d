// Storage, injected: what the engine's host may persist (the per-browser client id and the
// durable outbox, durable.ts). Never tokens, never other users' presence. The client package
// provides an IndexedDB implementation (idb-keyval); tests use MemoryStorage.
// `update` is atomic (one IndexedDB transaction): several engines of one browser (a
// dedicated worker per tab, pages) share the store, and a read-modify-write of one of them
// must not lose another's write.

export interface Storage {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
  /** Atomically replaces the value under `key` with `fn(current)` (`undefined` deletes it); resolves with the new value. */
  update<T>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined>
  /** Every key stored (clearDurable lists the outbox's); optional for older implementations. */
  keys?(): Promise<string[]>
  /** Where it keeps its data, for inspect(): IndexedDB (lasts) or memory (lost with the engine). */
  readonly kind?: 'indexeddb' | 'memory'
}

export class MemoryStorage implements Storage {
  readonly kind = 'memory'
  readonly #data = new Map<string, unknown>()

  keys(): Promise<string[]> {
    return Promise.resolve([...this.#data.keys()])
  }

  get<T>(key: string): Promise<T | undefined> {
    return Promise.resolve(structuredCloneSafe(this.#data.get(key)) as T | undefined)
  }

  set(key: string, value: unknown): Promise<void> {
    this.#data.set(key, structuredCloneSafe(value))
    return Promise.resolve()
  }

  delete(key: string): Promise<void> {
    this.#data.delete(key)
    return Promise.resolve()
  }

  update<T>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    try {
      const next = fn(structuredCloneSafe(this.#data.get(key)) as T | undefined)
      if (next === undefined) this.#data.delete(key)
      else this.#data.set(key, structuredCloneSafe(next))
      return Promise.resolve(structuredCloneSafe(next) as T | undefined)
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)))
    }
  }
}

/** A JSON copy: what a real store would give back (no shared references). */
function structuredCloneSafe(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}
