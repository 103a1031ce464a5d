// Engines by config: tabs (sessions) whose clients were built with the same endpoint,
// params and version share one engine, hence one socket. Used by every host: the page
// host holds a registry per page, a worker host one per worker.

import { Engine, type Logger, type WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { EngineConfig } from './link.ts'

export function configKey(config: EngineConfig): string {
  const params = Object.keys(config.params).toSorted().map((k) => [k, config.params[k]])
  return JSON.stringify([config.endPoint, params, config.vsn])
}

export class EngineRegistry {
  readonly #engines = new Map<string, Engine>()
  readonly #transport: WebSocketLikeConstructor
  readonly #logger: Logger | undefined

  constructor(transport: WebSocketLikeConstructor, logger?: Logger) {
    this.#transport = transport
    this.#logger = logger
  }

  /** The engine for this config; the first tab's timeouts and intervals win. */
  engineFor(config: EngineConfig): Engine {
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
        ...(delays && delays.length > 0 ? { reconnectAfterMs: (tries: number) => delays[Math.min(tries, delays.length) - 1] ?? 1000 } : {}),
        ...(this.#logger ? { logger: this.#logger } : {}),
      })
      this.#engines.set(key, engine)
    }
    return engine
  }

  get engines(): Engine[] {
    return [...this.#engines.values()]
  }
}
