// Storage, injected: what the engine's host may persist (a per-browser client id, the
// durable outbox). Never tokens, never other users' presence. The client package
// provides an IndexedDB implementation (idb-keyval); tests use MemoryStorage.

export interface Storage {
  get<T>(key: string): Promise<T | undefined>
  set(key: string, value: unknown): Promise<void>
  delete(key: string): Promise<void>
}

export class MemoryStorage implements Storage {
  readonly #data = new Map<string, unknown>()

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
}

/** A JSON copy: what a real store would give back (no shared references). */
function structuredCloneSafe(value: unknown): unknown {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value))
}
