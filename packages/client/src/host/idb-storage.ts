// Runs wherever an engine runs: in the worker, and in the tab for the in-page host.
// The engine's Storage in the browser (DESIGN.md "Persistence (idb-keyval)"): one IndexedDB
// database per origin, `shared-realtime`, store `kv`, shared by every engine of the origin
// (the SharedWorker's, dedicated workers', pages'). It holds the per-browser client id and the
// durable outbox; never tokens, never other users' presence. `update` runs in one readwrite
// transaction, so engines of several tabs never lose each other's writes. Where IndexedDB is
// missing (Node, some sandboxes) the engine gets a MemoryStorage: durable within that run only,
// which inspect().engine.durable.storage shows ('memory') and the engine warns of once.
// Reading or writing it when IndexedDB is there but refuses (e.g. a blocked store) rejects the send.

import { createStore, del, get, keys, promisifyRequest, set, type UseStore } from 'idb-keyval'
import { MemoryStorage, type Storage } from '@shared-realtime/engine'

export const IDB_DATABASE = 'shared-realtime'
export const IDB_STORE = 'kv'

export class IdbStorage implements Storage {
  readonly kind = 'indexeddb'
  readonly #store: UseStore

  constructor(database = IDB_DATABASE, store = IDB_STORE) {
    this.#store = createStore(database, store)
  }

  get<T>(key: string): Promise<T | undefined> {
    return get<T>(key, this.#store)
  }

  set(key: string, value: unknown): Promise<void> {
    return set(key, value, this.#store)
  }

  delete(key: string): Promise<void> {
    return del(key, this.#store)
  }

  async keys(): Promise<string[]> {
    return (await keys(this.#store)).filter((key): key is string => typeof key === 'string')
  }

  update<T>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    return this.#store('readwrite', (store) => {
      let next: T | undefined
      let failure: unknown
      const request = store.get(key)
      request.onsuccess = () => {
        try {
          next = fn(request.result as T | undefined)
        } catch (error) {
          failure = error
          store.transaction.abort()
          return
        }
        if (next === undefined) store.delete(key)
        else store.put(next, key)
      }
      return promisifyRequest(store.transaction).then(
        () => next,
        (error: unknown) => Promise.reject(failure ?? error),
      )
    })
  }
}

/** IndexedDB where the platform has it, else memory. */
export function browserStorage(): Storage {
  return typeof indexedDB === 'undefined' ? new MemoryStorage() : new IdbStorage()
}
