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
import type { Call, EngineConfig, Remembered, SendOptions, TokenProviderFn } from '../protocol.ts'
import type { HostLink, HostSnapshot } from './link.ts'
import { TabMemory } from './memory.ts'

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
  #onEvents: ((events: EngineEvent[]) => void) | undefined
  /** What this client holds on its engine, for the engine of its next identity (rebind), as a worker link does. */
  readonly #memory = new TabMemory()

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
    this.#onEvents = onEvents
    this.#attachTo(config)
    return Promise.resolve()
  }

  #attachTo(config: EngineConfig): void {
    registry ??= new EngineRegistry(this.#transport, undefined, browserStorage())
    const engine = registry.engineFor(config, this.#logger)
    const onEvents = this.#onEvents
    const session = engine.attach(`page-${nextTab++}`, (batch) => {
      try {
        onEvents?.(batch)
      } finally {
        session.ack(batch.length)
      }
    })
    this.#session = session
    this.#engine = engine
  }

  async rebind(config: EngineConfig, token: string | null): Promise<void> {
    await Promise.resolve()
    this.#memory.remember({ name: 'setAuth', args: [token] })
    this.#leave()
    this.#attachTo(config)
    // pipelined, in the memory's order (provider and token first, so the joins carry them); a refusal reaches the
    // subscription as the engine's own status event, as on a worker's recovery
    await Promise.allSettled(this.#memory.calls().map((call) => later(() => this.#replay(call))))
    this.#onEvents?.(this.#memory.resubscribed())
  }

  #replay(call: Call<Remembered>): unknown {
    const session = this.#s()
    switch (call.name) {
      case 'setTokenProvider':
        return session.setTokenProvider(call.args[0])
      case 'setAuth':
        return session.setAuth(call.args[0])
      case 'subscribe':
        return session.subscribe(...call.args)
      case 'track':
        return session.track(...call.args)
      case 'connect':
        return session.connect()
      default:
        return undefined // unsubscribe, untrack, disconnect: folded into what the memory holds
    }
  }

  /** Runs `call` on the session and remembers it, unless the engine refused it. */
  #remembered(call: Call<Remembered>, run: (session: Session) => unknown): Promise<void> {
    return later(async () => {
      const session = this.#s()
      const undo = this.#memory.remember(call)
      try {
        await run(session)
      } catch (error) {
        undo()
        throw error
      }
    })
  }

  subscribe(subId: string, topic: string, spec: Parameters<Session['subscribe']>[2]): Promise<void> {
    return this.#remembered({ name: 'subscribe', args: [subId, topic, spec] }, (s) => s.subscribe(subId, topic, spec))
  }

  unsubscribe(subId: string): Promise<void> {
    return this.#remembered({ name: 'unsubscribe', args: [subId] }, (s) => s.unsubscribe(subId))
  }

  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions) {
    return later(() => this.#s().send(subId, payload, timeoutMs, options))
  }

  track(subId: string, payload: Record<string, unknown>): Promise<void> {
    return this.#remembered({ name: 'track', args: [subId, payload] }, (s) => s.track(subId, payload))
  }

  untrack(subId: string): Promise<void> {
    return this.#remembered({ name: 'untrack', args: [subId] }, (s) => s.untrack(subId))
  }

  setAuth(token: string | null): Promise<void> {
    return this.#remembered({ name: 'setAuth', args: [token] }, (s) => s.setAuth(token))
  }

  setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    return this.#remembered({ name: 'setTokenProvider', args: [provider] }, (s) => s.setTokenProvider(provider))
  }

  connect(): Promise<void> {
    return this.#remembered({ name: 'connect', args: [] }, (s) => s.connect())
  }

  disconnect(): Promise<void> {
    return this.#remembered({ name: 'disconnect', args: [] }, (s) => s.disconnect())
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
    this.#leave()
    this.#memory.clear()
    return Promise.resolve()
  }

  /** Leaves the current engine, which goes with its last client. */
  #leave(): void {
    this.#session?.detach()
    this.#session = undefined
    if (this.#engine) registry?.release(this.#engine)
    this.#engine = undefined
  }
}
