// Authentication of the REST API (RealtimeWeb.AuthTenant): `Authorization: Bearer <jwt>` first,
// else the `apikey` header; the token must verify like a socket's (role and exp required).

/** Node's IncomingHttpHeaders fits (lower-case names; repeated headers as arrays). */
export type RestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>

export type RestAuthFailure =
  | { ok: false; status: 401; body: { message: 'Unauthorized' } }
  | { ok: false; status: 500; body: 'Internal Server Error' }

export type RestAuthResult<C> = { ok: true; claims: C; token: string } | RestAuthFailure

export const UNAUTHORIZED = { ok: false, status: 401, body: { message: 'Unauthorized' } } as const

/**
 * An Authorization header that is not exactly two space-separated parts ("Bearer", "Bearer  x")
 * crashes AuthTenant's pattern match; Phoenix answers 500 with the error view's status message.
 */
export const MALFORMED_AUTHORIZATION = { ok: false, status: 500, body: 'Internal Server Error' } as const

function header(headers: RestHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue
    return typeof value === 'string' ? value : value?.[0]
  }
  return undefined
}

/**
 * The token of a REST request, verified with `verify` (e.g. `(t) => verifyToken(t, secret, now)`).
 * `Authorization: <scheme> <token>` is used when the scheme is "bearer" (any case), even if the token
 * is empty; another scheme or an empty header falls back to `apikey`. No token or a failed
 * verification → 401 `{"message":"Unauthorized"}`.
 */
export async function authorizeRest<C>(
  headers: RestHeaders,
  verify: (token: string) => Promise<{ ok: true; claims: C } | { ok: false }>,
): Promise<RestAuthResult<C>> {
  let token: string | undefined
  const authorization = header(headers, 'authorization')
  if (authorization !== undefined && authorization !== '') {
    const parts = authorization.split(' ')
    if (parts.length !== 2) return MALFORMED_AUTHORIZATION
    if (parts[0]!.toLowerCase() === 'bearer') token = parts[1]
  }
  token ??= header(headers, 'apikey')
  if (token === undefined) return UNAUTHORIZED
  const verified = await verify(token)
  return verified.ok ? { ok: true, claims: verified.claims, token } : UNAUTHORIZED
}
