// The in-page host, loaded on first use: only a tab that falls back to running the engine
// in the page downloads the engine; with the engine in a worker, the main-thread bundle
// stays small.
import type { EngineEvent, PushResult, SubscriptionSpec, WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { EngineConfig, HostLink, HostSnapshot, SendOptions, TokenProviderFn } from './link.ts'

export class LazyPageLink implements HostLink {
  readonly kind = 'page' as const
  readonly #transport: WebSocketLikeConstructor
  #inner: Promise<HostLink> | undefined

  constructor(transport: WebSocketLikeConstructor) {
    this.#transport = transport
  }

  #link(): Promise<HostLink> {
    this.#inner ??= import('./page.ts').then(({ PageLink }) => new PageLink(this.#transport))
    return this.#inner
  }

  async attach(config: EngineConfig, onEvents: (events: EngineEvent[]) => void): Promise<void> {
    return (await this.#link()).attach(config, onEvents)
  }
  async subscribe(subId: string, topic: string, spec: SubscriptionSpec): Promise<void> {
    return (await this.#link()).subscribe(subId, topic, spec)
  }
  async unsubscribe(subId: string): Promise<void> {
    return (await this.#link()).unsubscribe(subId)
  }
  async send(subId: string, payload: Record<string, unknown>, timeoutMs: number, options?: SendOptions): Promise<PushResult> {
    return (await this.#link()).send(subId, payload, timeoutMs, options)
  }
  async track(subId: string, payload: Record<string, unknown>): Promise<void> {
    return (await this.#link()).track(subId, payload)
  }
  async untrack(subId: string): Promise<void> {
    return (await this.#link()).untrack(subId)
  }
  async setAuth(token: string | null): Promise<void> {
    return (await this.#link()).setAuth(token)
  }
  async setTokenProvider(provider: TokenProviderFn | null): Promise<void> {
    return (await this.#link()).setTokenProvider(provider)
  }
  async connect(): Promise<void> {
    return (await this.#link()).connect()
  }
  async disconnect(): Promise<void> {
    return (await this.#link()).disconnect()
  }
  async sendHeartbeat(): Promise<void> {
    return (await this.#link()).sendHeartbeat()
  }
  async inspect(): Promise<HostSnapshot> {
    return (await this.#link()).inspect()
  }
  async detach(): Promise<void> {
    return (await this.#link()).detach()
  }
}
