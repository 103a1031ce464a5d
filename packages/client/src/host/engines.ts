// Runs wherever an engine runs: in the worker, and in the tab for the in-page host.
// Engines by config: tabs (sessions) whose clients were built with the same endpoint,
// params and version share one engine, hence one socket. Used by every host: the page
// host holds a registry per page, a worker host one per worker. Every engine of a registry
// gets the same Storage (client id, durable outbox): the host's IndexedDB.

import { Engine, type Logger, type Storage, type WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { EngineConfig } from './protocol.ts'

export function configKey(config: EngineConfig): string {
  const params = Object.keys(config.params)
    .toSorted()
    .map((k) => [k, config.params[k]])
  return JSON.stringify([config.endPoint, params, config.vsn])
}

export class EngineRegistry {
  readonly #engines = new Map<string, Engine>()
  readonly #transport: WebSocketLikeConstructor
  readonly #logger: Logger | undefined
  readonly #storage: Storage | undefined

  constructor(transport: WebSocketLikeConstructor, logger?: Logger, storage?: Storage) {
    this.#transport = transport
    this.#logger = logger
    this.#storage = storage
  }

  /** The engine for this config; the first tab's timeouts, intervals and `logger` (default: the registry's) win. */
  engineFor(config: EngineConfig, logger = this.#logger): Engine {
    const key = configKey(config)
    let engine = this.#engines.get(key)
    if (!engine) {
      const delays = config.reconnectDelaysMs
      engine = new Engine({
        endPoint: config.endPoint,
        params: config.params,
        vsn: config.vsn,
        transport: this.#transport,
        timeout: config.timeout,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        disconnectOnEmptyChannelsAfterMs: config.disconnectOnEmptyChannelsAfterMs,
        ...(delays && delays.length > 0
          ? { reconnectAfterMs: (tries: number) => delays[Math.min(tries, delays.length) - 1] ?? 1000 }
          : {}),
        ...(logger ? { logger } : {}),
        ...(this.#storage ? { storage: this.#storage } : {}),
      })
      this.#engines.set(key, engine)
    }
    return engine
  }

  /** Disposes `engine` when no session is attached to it any more (the in-page host: its last client left). */
  release(engine: Engine): void {
    if (engine.sessionCount > 0) return
    for (const [key, e] of this.#engines) if (e === engine) this.#engines.delete(key)
    engine.dispose()
  }

  get engines(): Engine[] {
    return [...this.#engines.values()]
  }
}
