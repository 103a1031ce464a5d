// Where the engine lives (DESIGN.md rule 11): the client's `host` option picks a HostLink.
// 'auto' = a SharedWorker where the browser has one, else a dedicated Worker, else the page
// (also Node, with `transport: ws`). Any choice falls back down that order when its worker
// cannot be constructed or its first attach fails (a CSP that forbids workers, a sandboxed
// iframe, a worker script that does not load, Android Chrome without SharedWorker), so an
// app keeps working with the best host available; `link.kind` says which one it got.
// The in-page host (the engine itself) is a chunk loaded only when a tab falls back to it or
// asks for it; every kind goes through FallbackLink, which also defers the commands until an
// attach succeeded.

import type { EngineEvent, PushResult, SubscriptionSpec, WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { EngineConfig, SendOptions, TokenProviderFn } from '../protocol.ts'
import type { HostKind, HostLink, HostSnapshot } from './link.ts'
import { WorkerLink, type WorkerLinkOptions } from './worker-link.ts'
import { asRealtimeError, RealtimeError } from '../../errors.ts'

export type HostOption = 'auto' | HostKind

export interface HostLinkOptions extends Omit<WorkerLinkOptions, 'spawn'> {
  /** The in-page host's WebSocket (Node: `ws`). Default: globalThis.WebSocket. */
  transport?: WebSocketLikeConstructor
}

const ORDER: readonly HostKind[] = ['shared-worker', 'worker', 'page']

/** The kinds to try, best first: `host` ('auto': the best) and those after it that this platform has. */
export function hostCandidates(host: HostOption, options: Pick<HostLinkOptions, 'transport'> = {}): HostKind[] {
  const g = globalThis as { SharedWorker?: unknown; Worker?: unknown; WebSocket?: unknown }
  const has: Record<HostKind, boolean> = {
    'shared-worker': typeof g.SharedWorker === 'function',
    worker: typeof g.Worker === 'function',
    page: options.transport !== undefined || typeof g.WebSocket === 'function',
  }
  return ORDER.slice(host === 'auto' ? 0 : ORDER.indexOf(host)).filter((kind) => has[kind])
}

async function makeLink(kind: HostKind, options: HostLinkOptions): Promise<HostLink> {
  if (kind !== 'page') return new WorkerLink(kind, options)
  const transport = options.transport ?? (globalThis as { WebSocket?: WebSocketLikeConstructor }).WebSocket
  if (!transport) throw new RealtimeError('host-unavailable', 'the in-page host needs a WebSocket: pass `transport` (in Node, `ws`)')
  // the in-page engine is a chunk of its own, loaded only by a tab that runs it
  const { PageLink } = await import('./page.ts')
  return new PageLink(transport)
}

/** The HostLink for the client's `host` option. @throws {RealtimeError} `host-unavailable` when no host fits this platform */
export function createHostLink(host: HostOption, options: HostLinkOptions = {}): HostLink {
  const kinds = hostCandidates(host, options)
  if (kinds.length === 0) throw new RealtimeError('host-unavailable', `no "${host}" host here: no SharedWorker, Worker or WebSocket (pass \`transport\`)`)
  return new FallbackLink(kinds, options)
}

/**
 * A HostLink that moves to the next kind when one fails to attach the first time. With one
 * kind to try, its attach fails with that host's own error.
 */
class FallbackLink implements HostLink {
  readonly #kinds: HostKind[]
  readonly #options: HostLinkOptions
  #index = 0
  #link: HostLink | undefined
  #settled = false

  constructor(kinds: HostKind[], options: HostLinkOptions) {
    this.#kinds = kinds
    this.#options = options
  }

  get kind(): HostKind {
    return this.#link?.kind ?? (this.#kinds[this.#index] as HostKind)
  }

  async attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    if (this.#settled && this.#link) return this.#link.attach(config, onEvents)
    const errors: string[] = []
    for (; this.#index < this.#kinds.length; this.#index++) {
      const kind = this.#kinds[this.#index] as HostKind
      let link: HostLink | undefined
      try {
        link = await makeLink(kind, this.#options)
        await link.attach(config, onEvents)
        this.#link = link
        this.#settled = true
        return
      } catch (error) {
        await link?.detach().catch(() => {})
        // a malformed config fails the same everywhere: no point trying another host
        if ((error instanceof RealtimeError && error.kind === 'bad-request') || this.#kinds.length === 1) throw asRealtimeError(error)
        errors.push(`${kind}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    this.#index = this.#kinds.length - 1
    throw new RealtimeError('host-unavailable', `no host could attach (${errors.join('; ')})`)
  }

  #l(): HostLink {
    if (!this.#link) throw new RealtimeError('not-attached', 'the client is not attached to its host yet')
    return this.#link
  }

  subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<void> {
    return Promise.resolve().then(() => this.#l().subscribe(subId, topic, spec))
  }
  unsubscribe(subId: string): Promise<void> {
    return Promise.resolve().then(() => this.#l().unsubscribe(subId))
  }
  send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<PushResult> {
    return Promise.resolve().then(() => this.#l().send(subId, payload, timeoutMs, options))
  }
  track(subId: string, payload: Record<string, unknown>): Promise<void> {
    return Promise.resolve().then(() => this.#l().track(subId, payload))
  }
  untrack(subId: string): Promise<void> {
    return Promise.resolve().then(() => this.#l().untrack(subId))
  }
  setAuth(token: string | null): Promise<void> {
    return Promise.resolve().then(() => this.#l().setAuth(token))
  }
  setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    return Promise.resolve().then(() => this.#l().setTokenProvider(provider))
  }
  connect(): Promise<void> {
    return Promise.resolve().then(() => this.#l().connect())
  }
  disconnect(): Promise<void> {
    return Promise.resolve().then(() => this.#l().disconnect())
  }
  sendHeartbeat(): Promise<void> {
    return Promise.resolve().then(() => this.#l().sendHeartbeat())
  }
  networkOnline(): Promise<void> {
    return Promise.resolve().then(() => this.#l().networkOnline())
  }
  inspect(): Promise<HostSnapshot> {
    return Promise.resolve().then(() => this.#l().inspect())
  }
  detach(): Promise<void> {
    return this.#link ? this.#link.detach() : Promise.resolve()
  }
}

export { WorkerLink, type WorkerLinkOptions } from './worker-link.ts'
export type { TabSummary, WorkerSnapshot } from '../protocol.ts'
