// Token verification with Supabase Realtime's semantics and error texts (PROTOCOL.md §3.3, §3.8):
// RealtimeWeb.JwtVerification.verify/3 + ChannelsAuthorization.authorize_conn/3 + the `exp` check
// of RealtimeChannel.confirm_token/1, in that order. HMAC only (no JWKS): the dev server has a
// secret, so RS*/ES*/EdDSA tokens fail with JwtSignerError as they do on a project without JWKS.
import { compactVerify } from 'jose'
import { inspectAtom, inspectKeywords } from './elixir-term.ts'
import { cleanToken, isJsonObject, readSegment } from './token-text.ts'

/**
 * The log code of a failure (Realtime's `"<Code>: <message>"`). `UnknownErrorOnChannel` covers what
 * Realtime does not expect (a non-object header or claims segment, a non-numeric `iat`, an `exp`
 * that is neither a number > now nor an integer): its join error is `"Unknown Error on Channel"`
 * and its connect error HTTP 500 `"Error connecting to Realtime"`.
 */
export type JwtErrorCode =
  'InvalidJWTToken' | 'MalformedJWT' | 'JwtSignatureError' | 'JwtSignerError' | 'UnknownErrorOnChannel'

/** Verified claims: any JSON object with `role` (any value) and an integer `exp` > now. */
export type JwtClaims = { [claim: string]: unknown; role: unknown; exp: number }

export type VerifyFailure = { ok: false; code: JwtErrorCode; message: string }
export type VerifyResult = { ok: true; claims: JwtClaims } | VerifyFailure

/** The fixed messages (PROTOCOL.md §3.8), as Realtime writes them. */
export const JWT_MESSAGES = {
  missingClaims: 'Fields `role` and `exp` are required in JWT',
  invalidExpiration: 'Token expiration time is invalid',
  malformed: 'The token provided is not a valid JWT',
  badSignature: 'Failed to validate JWT signature',
  noSigner: 'Failed to generate JWT signer, check your JWT secret or JWKS configuration',
} as const

/** `"Token has expired N seconds ago"`, N = now - exp. */
export const expiredMessage = (seconds: number): string => `Token has expired ${seconds} seconds ago`

const HMAC_ALGORITHMS: ReadonlySet<unknown> = new Set(['HS256', 'HS384', 'HS512'])
const encoder = new TextEncoder()

const fail = (code: JwtErrorCode, message: string): VerifyFailure => ({ ok: false, code, message })
const malformed = () => fail('MalformedJWT', JWT_MESSAGES.malformed)
const unknown = (term: string) => fail('UnknownErrorOnChannel', term)

/**
 * Verifies `token` against the HMAC `secret` at `nowSeconds` (floored to whole seconds, like
 * `Joken.current_time/0`). Never throws and never rejects.
 *
 * Steps, each with its failure: not a string → MalformedJWT · URL-decode + strip whitespace (a bad
 * `%` escape → MalformedJWT) · 3 segments and base64url claims → else MalformedJWT · claims and header
 * JSON objects → else UnknownErrorOnChannel · `alg` HS256/384/512 and a usable secret → else
 * JwtSignerError · signature → else JwtSignatureError · `exp` a number > now → else InvalidJWTToken
 * "Token has expired N seconds ago" (integer exp) or UnknownErrorOnChannel · `iat` a number → else
 * UnknownErrorOnChannel · round decimal exp/iat · `role` and `exp` present → else InvalidJWTToken
 * "Fields `role` and `exp` are required in JWT" · rounded exp > now → else InvalidJWTToken
 * "Token expiration time is invalid".
 */
export async function verifyToken(token: unknown, secret: string, nowSeconds: number): Promise<VerifyResult> {
  try {
    return await verify(token, secret, Math.floor(nowSeconds))
  } catch (error) {
    // Realtime's join has a `rescue` that reports the exception message under this code.
    return unknown(error instanceof Error ? error.message : String(error))
  }
}

async function verify(token: unknown, secret: string, now: number): Promise<VerifyResult> {
  if (typeof token !== 'string') return malformed()
  const cleaned = cleanToken(token)
  if (cleaned === null) return malformed()
  const segments = cleaned.split('.')
  if (segments.length !== 3) return malformed()

  const claims = readSegment(segments[1]!)
  if (claims.kind === 'not-base64') return malformed()
  if (claims.kind === 'not-json' || !isJsonObject(claims.value)) return unknown(inspectAtom('expected_claims_map'))
  const header = readSegment(segments[0]!)
  if (header.kind !== 'json' || !isJsonObject(header.value)) return unknown(inspectAtom('expected_header_map'))

  const alg = header.value.alg
  if (!HMAC_ALGORITHMS.has(alg) || secret.length === 0) return fail('JwtSignerError', JWT_MESSAGES.noSigner)
  try {
    await compactVerify(cleaned, encoder.encode(secret), { algorithms: [alg as string] })
  } catch {
    return fail('JwtSignatureError', JWT_MESSAGES.badSignature)
  }
  return checkClaims(claims.value, now)
}

/** Joken's claim validation (exp sorts before iat), rounding, authorize_conn and confirm_token. */
function checkClaims(claims: Record<string, unknown>, now: number): VerifyResult {
  if (Object.hasOwn(claims, 'exp')) {
    const exp = claims.exp
    if (!(typeof exp === 'number' && exp > now)) {
      if (Number.isInteger(exp)) return fail('InvalidJWTToken', expiredMessage(now - (exp as number)))
      return unknown(
        inspectKeywords([
          ['message', now],
          ['claim', 'exp'],
          ['claim_val', exp],
        ]),
      )
    }
  }
  if (Object.hasOwn(claims, 'iat') && typeof claims.iat !== 'number') {
    return unknown(
      inspectKeywords([
        ['message', 'Invalid token'],
        ['claim', 'iat'],
        ['claim_val', claims.iat],
      ]),
    )
  }
  const rounded = { ...claims }
  for (const key of ['exp', 'iat']) {
    const value = rounded[key]
    if (typeof value === 'number') rounded[key] = Math.sign(value) * Math.round(Math.abs(value))
  }
  if (!Object.hasOwn(rounded, 'role') || !Object.hasOwn(rounded, 'exp')) {
    return fail('InvalidJWTToken', JWT_MESSAGES.missingClaims)
  }
  const exp = rounded.exp as number
  if (exp - now <= 0) return fail('InvalidJWTToken', JWT_MESSAGES.invalidExpiration)
  return { ok: true, claims: rounded as JwtClaims }
}
