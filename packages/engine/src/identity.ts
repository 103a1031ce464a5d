// Who an engine's socket speaks for (docs/decisions.md 61). Hosts key their engines by the identity
// of the token (jwt.ts tokenIdentity: `<role>:<sub>`, or `anon`), so clients of different users
// never share a socket, a token or a presence entry. The engine holds the line itself: a token of
// another identity never becomes its token, whichever tab hands it over.

import { tokenIdentity } from './jwt.ts'
import type { TokenProvider } from './token-provider.ts'

/** A token for another identity than the engine's: refused; the client moves to that identity's engine instead. */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError'
  readonly kind = 'identity-mismatch'
  readonly expected: string
  readonly actual: string
  constructor(expected: string, actual: string) {
    super(
      `a token for "${actual}" cannot be used on the socket of "${expected}": clients of different users never share ` +
        `a socket (the client moves to the engine of the token's identity; this engine keeps its token)`,
    )
    this.expected = expected
    this.actual = actual
  }
}

/** @throws {IdentityMismatchError} when `identity` is set and `token` speaks for another (null speaks for `anon`). */
export function checkIdentity(identity: string | undefined, token: string | null): void {
  if (identity === undefined) return
  const actual = tokenIdentity(token)
  if (actual !== identity) throw new IdentityMismatchError(identity, actual)
}

/**
 * `provider`, whose answers for another identity than `identity` count as failed answers: the next provider is
 * asked, or the current token kept. "No token" (null, '') speaks for `anon`: a user's engine never turns anon.
 */
export function sameIdentity(identity: string | undefined, provider: TokenProvider): TokenProvider {
  if (identity === undefined) return provider
  return async () => {
    const token = await provider()
    if (typeof token === 'string' || token === null || token === undefined) checkIdentity(identity, token || null)
    return token
  }
}
