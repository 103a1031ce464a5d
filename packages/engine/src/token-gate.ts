// The token gate: no join goes out while a token request is in flight (README "Token"). The engine
// passes every request it starts through it — before each connect, when a tab adds a token
// provider, when the server says a token expired, and when the socket opens — and the gate stays
// `settling` until each of them has been answered and the AuthTokenManager has nothing in flight;
// then it is `settled` and tells the engine, which gives the channels `ready` if the socket is up.

import type { AuthTokenManager } from './auth-token.ts'
import type { Logger } from './logger.ts'

export type TokenGateState = { name: 'settled' } | { name: 'settling'; pending: number }

export class TokenGate {
  readonly #auth: AuthTokenManager
  readonly #logger: Logger
  readonly #settled: () => void
  #state: TokenGateState = { name: 'settled' }

  constructor(auth: AuthTokenManager, logger: Logger, settled: () => void) {
    this.#auth = auth
    this.#logger = logger
    this.#settled = settled
  }

  get state(): TokenGateState {
    return this.#state
  }

  /** Joins wait until `request`, and whatever the token manager has in flight then, is over. */
  settle(request: Promise<unknown>): void {
    const pending = this.#state.name === 'settling' ? this.#state.pending : 0
    this.#state = { name: 'settling', pending: pending + 1 }
    void request
      .catch((error: unknown) => this.#logger.warn('token request failed', error))
      .then(() => this.#auth.settled())
      .then(() => this.#answered())
  }

  #answered(): void {
    if (this.#state.name !== 'settling') return
    const pending = this.#state.pending - 1
    if (pending > 0) {
      this.#state = { name: 'settling', pending }
      return
    }
    this.#state = { name: 'settled' }
    this.#settled()
  }
}
