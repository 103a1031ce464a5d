// The tab sessions attached to the engine, by tab id, and the tabs that asked for the socket with
// connect() (`wanting`). An explicit connect() keeps the socket up without channels (no deferred
// disconnect) until that tab calls disconnect() or goes away. A tab's disconnect() closes the
// socket at once, and resolves once it has closed, when no other tab has subscriptions or wants
// it: other tabs are never cut off by one tab (the calling tab's own channels, and channels still
// leaving, do not keep it). A tab that goes away leaves the deferred disconnect to close it.
// The registry is every Session's engine: what a tab does reaches the channels, the socket and
// the token through it.

import type { AuthTokenManager, TokenProvider } from './auth-token.ts'
import type { ChannelRegistry } from './channel-registry.ts'
import type { Clock } from './clock.ts'
import type { EngineEvent, ErrorData } from './events.ts'
import { checkIdentity, sameIdentity } from './identity.ts'
import type { ServerChannel } from './server-channel.ts'
import { Session, type SessionEngine } from './session.ts'
import { type Sink, SessionQueue } from './session-queue.ts'
import type { SocketDriver } from './socket-driver.ts'
import type { TokenGate } from './token-gate.ts'

export interface TabRegistryOptions {
  readonly clock: Clock
  readonly timeoutMs: number
  /** Unacknowledged events per session before it gets a gap, unless attach() says otherwise. */
  readonly queueLimit: number
  readonly randomId: () => string
  readonly channels: ChannelRegistry
  readonly socket: SocketDriver
  readonly auth: AuthTokenManager
  readonly gate: TokenGate
  /** The identity every token must speak for (identity.ts); undefined: any. */
  readonly identity?: string | undefined
}

export class TabRegistry implements SessionEngine {
  readonly timeoutMs: number
  readonly #options: TabRegistryOptions
  readonly #sessions = new Map<string, Session>()
  readonly #wanting = new Set<string>()

  constructor(options: TabRegistryOptions) {
    this.timeoutMs = options.timeoutMs
    this.#options = options
  }

  get size(): number {
    return this.#sessions.size
  }

  /** Tabs that called connect() and not disconnect() since. */
  get wanting(): number {
    return this.#wanting.size
  }

  get(tabId: string): Session | undefined {
    return this.#sessions.get(tabId)
  }

  attach(tabId: string, sink: Sink, queueLimit = this.#options.queueLimit): Session {
    if (this.#sessions.has(tabId)) throw new Error(`a session "${tabId}" is already attached`)
    const session = new Session(tabId, this, new SessionQueue(this.#options.clock, sink, queueLimit))
    this.#sessions.set(tabId, session)
    session.emit(this.#options.socket.status())
    return session
  }

  /** An event for every tab. */
  tell(event: EngineEvent): void {
    for (const session of this.#sessions.values()) session.emit(event)
  }

  detachAll(): void {
    for (const session of Array.from(this.#sessions.values())) session.detach()
  }

  snapshot() {
    return [...this.#sessions.values()].map((s) => ({
      id: s.id,
      subscriptions: s.subscriptions.size,
      queueDepth: s.queue.depth,
      dropped: s.queue.dropped,
    }))
  }

  // ── SessionEngine ───────────────────────────────────────────────────────────

  channelFor(topic: string): ServerChannel {
    return this.#options.channels.open(topic)
  }

  existingChannel(topic: string): ServerChannel | undefined {
    return this.#options.channels.get(topic)
  }

  channelRefusal(topic: string): ErrorData | undefined {
    return this.#options.channels.refusal(topic)
  }

  /** @throws {IdentityMismatchError} when `token` speaks for another identity than the engine's */
  setAuth(token: string | null): Promise<void> {
    if (token) checkIdentity(this.#options.identity, token)
    return this.#options.auth.setAuth(token)
  }

  addProvider(sessionId: string, provider: TokenProvider): void {
    const { auth, gate } = this.#options
    auth.addProvider(sessionId, sameIdentity(this.#options.identity, provider))
    // the latest auth action of any tab wins: a new provider replaces a manual token and is asked now
    gate.settle(auth.setAuth(null))
  }

  removeProvider(sessionId: string): void {
    this.#options.auth.removeProvider(sessionId)
  }

  ensureConnected(): void {
    this.#options.socket.dispatch({ type: 'connect' })
  }

  disconnect(sessionId: string): Promise<void> {
    const { socket } = this.#options
    const had = this.#wanting.size
    this.#wanting.delete(sessionId)
    // the calling tab's own channels do not keep the socket (they get CHANNEL_ERROR, as on realtime-js's
    // disconnect, and rejoin on its next connect()); a channel still leaving does not either
    const othersNeedIt = this.#wanting.size > 0 || this.#subscribedElsewhere(sessionId)
    if (!othersNeedIt) socket.dispatch({ type: 'disconnect' })
    else if (had !== this.#wanting.size) socket.dispatch({ type: 'channels' })
    return othersNeedIt ? Promise.resolve() : socket.closing()
  }

  /** Whether a session other than `sessionId` has a subscription. */
  #subscribedElsewhere(sessionId: string): boolean {
    for (const session of this.#sessions.values())
      if (session.id !== sessionId && session.subscriptions.size > 0) return true
    return false
  }

  wantConnection(sessionId: string, want: boolean): void {
    const { channels, socket } = this.#options
    const had = this.#wanting.size
    if (want) this.#wanting.add(sessionId)
    else this.#wanting.delete(sessionId)
    if (want) socket.dispatch({ type: 'connect' })
    else if (this.#wanting.size === 0 && channels.size === 0) socket.dispatch({ type: 'disconnect' })
    if (had !== this.#wanting.size) socket.dispatch({ type: 'channels' })
  }

  detached(session: Session): void {
    this.#sessions.delete(session.id)
  }

  randomId(): string {
    return this.#options.randomId()
  }
}
