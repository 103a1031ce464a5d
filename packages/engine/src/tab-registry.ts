// The tab sessions attached to the engine, by tab id, and the tabs that asked for the socket with
// connect() (`wanting`). An explicit connect() keeps the socket up without channels (no deferred
// disconnect) until that tab calls disconnect() or goes away. A tab's disconnect() closes the
// socket at once, and resolves once it has closed, when no other tab has subscriptions or wants
// it: other tabs are never cut off by one tab (the calling tab's own channels, and channels still
// leaving, do not keep it). A tab that goes away leaves the deferred disconnect to close it.
// The registry is every Session's engine: what a tab does reaches the channels, the socket and
// the token through it.
// A tab's setAuth(token) is checked before the token reaches the shared channels (token-check.ts):
// while the socket is connected with a channel joined, the token is probed with a throwaway join;
// refused → that tab's setAuth rejects with TokenRefusedError and the token in use stays; accepted
// or no answer → applied (pushed to every joined channel). A token applied without proof (not
// probed, or no answer) is `unproven`: if a channel then reports it refused (a token shutdown after
// the push, a join refused for it), it is rolled back once to the last good token (the token of the
// last accepted join; or the providers are asked again when there are any), the channels rejoin,
// and only the tab that set it hears of it (a `system` error on each of its subscriptions).

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
import { TokenRefusedError } from './token-check.ts'
import type { Logger } from './logger.ts'

export interface TabRegistryOptions {
  readonly clock: Clock
  readonly logger: Logger
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
  /** Numbers every auth action of any tab, in the order they came. */
  #authActions = 0
  /** The number of the last auth action applied: a probed token applies only if no later action was applied first. */
  #applied = 0
  /** A token a tab set that no accepted join has proven yet, and who set it. */
  #unproven: { token: string; sessionId: string } | undefined

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

  attach(tabId: string, sink: Sink, options: { queueLimit?: number | undefined; eager?: boolean } = {}): Session {
    if (this.#sessions.has(tabId)) throw new Error(`a session "${tabId}" is already attached`)
    const limit = options.queueLimit ?? this.#options.queueLimit
    const queue = new SessionQueue(this.#options.clock, sink, { limit, eager: options.eager === true })
    const session = new Session(tabId, this, queue)
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

  /**
   * @throws {IdentityMismatchError} when `token` speaks for another identity than the engine's
   * @throws {TokenRefusedError} (rejects) when the token probe is refused: the token in use stays
   */
  setAuth(sessionId: string, token: string | null): Promise<void> {
    if (token) checkIdentity(this.#options.identity, token)
    return this.#setAuth(sessionId, token)
  }

  async #setAuth(sessionId: string, token: string | null): Promise<void> {
    const { auth, channels } = this.#options
    const action = ++this.#authActions
    if (!token) {
      this.#applied = action
      this.#unproven = undefined
      return auth.setAuth(null)
    }
    let proven = token === channels.lastGood
    if (!proven && token !== auth.token && channels.shouldProbe()) {
      const outcome = await channels.probeToken(token)
      if (outcome.kind === 'refused') throw new TokenRefusedError(outcome.reason)
      if (outcome.kind === 'inconclusive') this.#options.logger.warn(`setAuth: token not checked (${outcome.why})`)
      if (this.#applied > action) return // a later auth action of some tab was applied meanwhile: it wins
      proven = outcome.kind === 'ok'
      if (proven) channels.accepted(token) // the server accepted a join with it: the last good token now
    }
    this.#applied = action
    this.#unproven = proven ? undefined : { token, sessionId }
    // from a tab with an accessToken provider, the token is used now and the provider asked again at the next refresh
    return auth.setAuth(token, sessionId)
  }

  /**
   * A channel's token was refused (channel-registry.ts `tokenRefused`). When the token in use is one a
   * tab set and no join has proven, and a good token is known (or providers can be asked), rolls back
   * to it (once per setAuth) and tells that tab; true when it did (the channels then rejoin with it).
   */
  tokenRefused(): boolean {
    const { auth, channels, gate, logger } = this.#options
    const unproven = this.#unproven
    if (!unproven || auth.token !== unproven.token || channels.lastGood === unproven.token) return false
    const lastGood = channels.lastGood
    if (!auth.hasProviders && lastGood === undefined) return false
    this.#unproven = undefined
    gate.settle(auth.setAuth(auth.hasProviders || lastGood === undefined ? null : lastGood))
    const message =
      'the server refused the token set with setAuth(); every channel is back on the last good token: set a valid token'
    logger.warn(`setAuth: ${message}`)
    const session = this.#sessions.get(unproven.sessionId)
    for (const [sub, topic] of session?.subscriptions ?? []) {
      const payload = { extension: 'system', status: 'error', message, channel: topic.replace(/^realtime:/, '') }
      session?.emit({ type: 'system', sub, payload })
    }
    return true
  }

  addProvider(sessionId: string, provider: TokenProvider): void {
    const { auth, gate } = this.#options
    this.#applied = ++this.#authActions
    this.#unproven = undefined
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
