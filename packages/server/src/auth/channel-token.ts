// Which token a channel runs on (RealtimeChannel.assign_access_token/2) and when it is checked
// again (confirm_token/1: every min(5 min, exp - now)). PROTOCOL.md §3.3.

/** Realtime's `@confirm_token_ms_interval`: the longest wait between two checks of a channel's token. */
export const TOKEN_RECHECK_INTERVAL_MS = 5 * 60 * 1000

const isPublishableOrSecretKey = (value: unknown): boolean => typeof value === 'string' && value.startsWith('sb_')

/**
 * The token a join runs on, exactly as Realtime picks it:
 * 1. if `access_token` (or, when that is absent, null or false, `user_token`) starts with `sb_`
 *    (a publishable/secret key), the socket's apikey token;
 * 2. else a string `user_token`;
 * 3. else a string `access_token`;
 * 4. else the socket's apikey token.
 * Step 2 before 3 is Realtime's order: a join carrying both strings runs on `user_token`
 * (realtime-js sends only `access_token`).
 */
export function channelToken(joinPayload: unknown, socketToken: string): string {
  if (typeof joinPayload !== 'object' || joinPayload === null) return socketToken
  const payload = joinPayload as { access_token?: unknown; user_token?: unknown }
  const accessToken = payload.access_token
  const first =
    accessToken === undefined || accessToken === null || accessToken === false ? payload.user_token : accessToken
  if (isPublishableOrSecretKey(first)) return socketToken
  if (typeof payload.user_token === 'string') return payload.user_token
  if (typeof accessToken === 'string') return accessToken
  return socketToken
}

/**
 * Milliseconds until a channel's token must be checked again: min(5 min, exp - now), never negative.
 * A missing or non-numeric `exp` gives 0 (check now; the check then fails).
 */
export function recheckDelayMs(claims: { readonly exp?: unknown }, nowSeconds: number): number {
  const exp = claims.exp
  if (typeof exp !== 'number' || !Number.isFinite(exp)) return 0
  return Math.max(0, Math.min(TOKEN_RECHECK_INTERVAL_MS, Math.round((exp - nowSeconds) * 1000)))
}
