// Runs in the tab (a chunk of its own, loaded when a tab uses the in-page host).
// The in-page host: the engine runs in this page (no worker). Used where workers are not
// available (Node with `transport`, old browsers) and as the fallback of `host: 'auto'`.
// Same HostLink as the worker hosts, so the API above it cannot tell the difference.
// Its engines keep the client id and the durable outbox in IndexedDB (../idb-storage.ts), as
// the workers' do; an engine whose last client detached is disposed (its durable sends stay
// stored for the next engine to join their topic).

import type { Engine, EngineEvent, Logger, Session, WebSocketLikeConstructor } from '@shared-realtime/engine'
import { EngineRegistry } from '../engines.ts'
import { browserStorage } from '../idb-storage.ts'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import type { EngineConfig, SendOptions, TokenProviderFn } from '../protocol.ts'
import type { HostLink, HostSnapshot } from './link.ts'

let registry: EngineRegistry | undefined
let nextTab = 1

/**
 * `work` a microtask later, as a worker host answers later; what the engine throws (it has no
 * reply to carry a kind) rejects as a RealtimeError of kind 'error'.
 */
function later<T>(work: () => T | Promise<T>): Promise<T> {
  return Promise.resolve()
    .then(work)
    .catch((error: unknown) => Promise.reject(asRealtimeError(error)))
}

export class PageLink implements HostLink {
  readonly kind = 'page' as const
  readonly #transport: WebSocketLikeConstructor
  readonly #logger: Logger | undefined
  #session: Session | undefined
  #engine: Engine | undefined

  /** `logger`: where the engine this link creates logs (the client's `logger` option); silent without. */
  constructor(transport: WebSocketLikeConstructor, logger?: Logger) {
    this.#transport = transport
    this.#logger = logger
  }

  #s(): Session {
    if (!this.#session) throw new RealtimeError('not-attached', 'the client is not attached to its engine yet')
    return this.#session
  }

  attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    registry ??= new EngineRegistry(this.#transport, undefined, browserStorage())
    const engine = registry.engineFor(config, this.#logger)
    const session = engine.attach(`page-${nextTab++}`, (batch) => {
      try {
        onEvents(batch)
      } finally {
        session.ack(batch.length)
      }
    })
    this.#session = session
    this.#engine = engine
    return Promise.resolve()
  }

  subscribe(subId: string, topic: string, spec: Parameters<Session['subscribe']>[2]): Promise<void> {
    return later(() => this.#s().subscribe(subId, topic, spec))
  }

  unsubscribe(subId: string): Promise<void> {
    return later(() => this.#s().unsubscribe(subId))
  }

  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions) {
    return later(() => this.#s().send(subId, payload, timeoutMs, options))
  }

  track(subId: string, payload: Record<string, unknown>): Promise<void> {
    return later(() => this.#s().track(subId, payload))
  }

  untrack(subId: string): Promise<void> {
    return later(() => this.#s().untrack(subId))
  }

  setAuth(token: string | null): Promise<void> {
    return later(() => this.#s().setAuth(token))
  }

  setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    return later(() => this.#s().setTokenProvider(provider))
  }

  connect(): Promise<void> {
    return later(() => this.#s().connect())
  }

  disconnect(): Promise<void> {
    return later(() => this.#s().disconnect())
  }

  networkOnline(): Promise<void> {
    return later(() => this.#engine?.networkOnline())
  }

  sendHeartbeat(): Promise<void> {
    return Promise.resolve()
  }

  clearDurable(): Promise<number> {
    return later(() => this.#engine?.clearDurable() ?? 0)
  }

  inspect(): Promise<HostSnapshot> {
    return Promise.resolve({ host: 'page', instance: 'page', engine: this.#engine?.inspect() })
  }

  detach(): Promise<void> {
    this.#session?.detach()
    this.#session = undefined
    if (this.#engine) registry?.release(this.#engine)
    this.#engine = undefined
    return Promise.resolve()
  }
}
