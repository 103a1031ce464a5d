// Runs wherever an engine runs: in the worker, and in the tab for the in-page host.
// Engines by config: tabs (sessions) whose clients agree on the whole EngineConfig share one
// engine, hence one socket. That is endpoint, params and version, the options that shape the
// socket's behaviour (timeout, heartbeat, idle close, reconnect delays) and the identity of
// the client's token: clients of different users never share a socket, a token or a presence
// entry, and a client's options never silently apply to another's (docs/decisions.md 61).
// Used by every host: the page host holds a registry per page, a worker host one per worker.
// Every engine of a registry gets the same Storage (client id, durable outbox): the host's
// IndexedDB. An engine no session uses any more is released (disposed) after a grace period.

import {
  type Clock,
  Engine,
  type Logger,
  realClock,
  type Storage,
  type TimerId,
  type WebSocketLikeConstructor,
} from '@shared-realtime/engine'
import type { EngineConfig } from './protocol.ts'

/** The identity of a config that names none: the anon key's. */
export const ANON = 'anon'

/** Two configs with the same key share an engine: every field counts (params in any order). */
export function configKey(config: EngineConfig): string {
  const params = Object.keys(config.params)
    .toSorted()
    .map((k) => [k, config.params[k]])
  return JSON.stringify([
    config.endPoint,
    params,
    config.vsn,
    config.identity ?? ANON,
    config.timeout,
    config.heartbeatIntervalMs,
    config.disconnectOnEmptyChannelsAfterMs,
    config.reconnectDelaysMs ?? null,
    Object.entries(config.guards ?? {})
      .toSorted(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => [k, String(v)]),
  ])
}

export interface EngineRegistryOptions {
  /**
   * How long an engine no session uses is kept before it is disposed (its socket closed), given the engine. A tab
   * that reloads comes back within it and finds its socket. Default: 0 (at once).
   */
  releaseAfterMs?: (engine: Engine) => number
  /** Where the release waits run. Default: the real clock. */
  clock?: Clock
  /** Tests: the engines' own clock. Default: theirs (the real clock). */
  engineClock?: Clock
}

export class EngineRegistry {
  readonly #engines = new Map<string, Engine>()
  readonly #releases = new Map<Engine, TimerId>()
  readonly #transport: WebSocketLikeConstructor
  readonly #logger: Logger | undefined
  readonly #storage: Storage | undefined
  readonly #releaseAfterMs: (engine: Engine) => number
  readonly #clock: Clock
  readonly #engineClock: Clock | undefined

  constructor(
    transport: WebSocketLikeConstructor,
    logger?: Logger,
    storage?: Storage,
    options: EngineRegistryOptions = {},
  ) {
    this.#transport = transport
    this.#logger = logger
    this.#storage = storage
    this.#releaseAfterMs = options.releaseAfterMs ?? (() => 0)
    this.#clock = options.clock ?? realClock
    this.#engineClock = options.engineClock
  }

  /** The engine for this config (the first tab's `logger`, default the registry's, is the engine's). */
  engineFor(config: EngineConfig, logger = this.#logger): Engine {
    const key = configKey(config)
    let engine = this.#engines.get(key)
    if (engine) {
      this.#cancelRelease(engine)
      return engine
    }
    const delays = config.reconnectDelaysMs
    engine = new Engine({
      endPoint: config.endPoint,
      params: config.params,
      vsn: config.vsn,
      transport: this.#transport,
      timeout: config.timeout,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      disconnectOnEmptyChannelsAfterMs: config.disconnectOnEmptyChannelsAfterMs,
      identity: config.identity ?? ANON,
      ...config.guards,
      ...(delays && delays.length > 0
        ? { reconnectAfterMs: (tries: number) => delays[Math.min(tries, delays.length) - 1] ?? 1000 }
        : {}),
      ...(logger ? { logger } : {}),
      ...(this.#storage ? { storage: this.#storage } : {}),
      ...(this.#engineClock ? { clock: this.#engineClock } : {}),
    })
    this.#engines.set(key, engine)
    return engine
  }

  /**
   * Disposes `engine` once no session has been attached to it for the registry's release time (at once by
   * default: the in-page host, whose last client left). An engineFor() meanwhile keeps it.
   */
  release(engine: Engine): void {
    if (engine.sessionCount > 0 || this.#releases.has(engine)) return
    const ms = this.#releaseAfterMs(engine)
    if (ms <= 0) return this.#dispose(engine)
    this.#releases.set(
      engine,
      this.#clock.setTimeout(() => {
        this.#releases.delete(engine)
        if (engine.sessionCount === 0) this.#dispose(engine)
      }, ms),
    )
  }

  get engines(): Engine[] {
    return [...this.#engines.values()]
  }

  #cancelRelease(engine: Engine): void {
    const timer = this.#releases.get(engine)
    if (timer === undefined) return
    this.#clock.clearTimeout(timer)
    this.#releases.delete(engine)
  }

  #dispose(engine: Engine): void {
    for (const [key, e] of this.#engines) if (e === engine) this.#engines.delete(key)
    engine.dispose()
  }
}
