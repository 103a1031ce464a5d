// Signing side of the dev server's auth: the well-known local-Supabase secret, the anon and
// service_role keys a local Supabase prints, and HMAC-signed tokens for tests and the demo.
import { CompactSign } from 'jose'

/**
 * The JWT secret every local Supabase (`supabase start`) uses. It is public knowledge: DEV ONLY,
 * never use it for anything reachable from outside your machine.
 */
export const DEFAULT_JWT_SECRET = 'super-secret-jwt-token-with-at-least-32-characters-long'

/** `exp` of the keys a local Supabase prints (2032-11-11): long-lived on purpose. */
export const LOCAL_KEY_EXPIRY = 1_983_812_996

export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512'

export interface SignOptions {
  /** Adds `exp = now + expiresInSeconds` (overriding an `exp` in the claims). Default: no `exp` added. */
  expiresInSeconds?: number
  /** The clock for `expiresInSeconds`, in seconds. Default: `Date.now() / 1000`. */
  nowSeconds?: number
  /** Default `HS256`. */
  algorithm?: HmacAlgorithm
}

const encoder = new TextEncoder()

/**
 * Signs `claims` as a compact JWT with header `{"alg", "typ":"JWT"}`. The claims are written as given
 * (any JSON, including invalid `exp`/`iat` values, so tests can build every kind of bad token).
 * Rejects when the secret is empty (WebCrypto refuses zero-length HMAC keys).
 */
export async function signToken(
  claims: Readonly<Record<string, unknown>>,
  secret: string,
  options: SignOptions = {},
): Promise<string> {
  const { expiresInSeconds, algorithm = 'HS256' } = options
  const nowSeconds = Math.floor(options.nowSeconds ?? Date.now() / 1000)
  const payload = expiresInSeconds === undefined ? claims : { ...claims, exp: nowSeconds + expiresInSeconds }
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: algorithm, typ: 'JWT' })
    .sign(encoder.encode(secret))
}

export interface ApiKeys {
  anon: string
  service_role: string
}

/**
 * The API keys of a local Supabase for `secret`: HS256, `{"iss":"supabase-demo","role":…,"exp":1983812996}`.
 * With DEFAULT_JWT_SECRET these are byte for byte the keys `supabase start` prints.
 */
export async function mintKeys(secret: string): Promise<ApiKeys> {
  const key = (role: string) => signToken({ iss: 'supabase-demo', role, exp: LOCAL_KEY_EXPIRY }, secret)
  const [anon, serviceRole] = await Promise.all([key('anon'), key('service_role')])
  return { anon, service_role: serviceRole }
}
