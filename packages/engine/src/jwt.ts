// Reading a JWT's claims without verifying it (the server verifies; we only need `exp` to know
// when to ask for a new token). ECMAScript only: no atob, no TextDecoder, so base64url and UTF-8
// are decoded here (UTF-8 through decodeURIComponent, which rejects malformed sequences).

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const SIXTETS = new Map<string, number>([...ALPHABET].map((char, i) => [char, i]))
// Tolerate the standard alphabet too; some issuers get base64url wrong.
SIXTETS.set('+', 62)
SIXTETS.set('/', 63)

/** The bytes of a base64url (or base64) string, padding optional; undefined when malformed. */
export function decodeBase64Url(text: string): Uint8Array | undefined {
  const body = text.replace(/={1,2}$/, '')
  if (body.length % 4 === 1) return undefined
  const bytes = new Uint8Array(Math.floor((body.length * 3) / 4))
  let bits = 0
  let buffer = 0
  let at = 0
  for (const char of body) {
    const sixtet = SIXTETS.get(char)
    if (sixtet === undefined) return undefined
    buffer = (buffer << 6) | sixtet
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[at++] = (buffer >> bits) & 0xff
    }
  }
  return bytes
}

function utf8Decode(bytes: Uint8Array): string | undefined {
  let escaped = ''
  for (const byte of bytes) escaped += `%${byte.toString(16).padStart(2, '0')}`
  try {
    return decodeURIComponent(escaped)
  } catch {
    return undefined
  }
}

/** The claims (payload) of a compact JWS `header.payload.signature`; undefined when it is not one. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.')
  if (parts.length !== 3 || parts[1] === undefined || parts[1] === '') return undefined
  const bytes = decodeBase64Url(parts[1])
  const json = bytes && utf8Decode(bytes)
  if (json === undefined) return undefined
  try {
    const claims: unknown = JSON.parse(json)
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims)
      ? (claims as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

/** The `exp` claim (seconds) of a JWT, read without verifying; undefined when there is none. */
export function jwtExp(token: string): number | undefined {
  const exp = jwtClaims(token)?.exp
  return typeof exp === 'number' && Number.isFinite(exp) ? exp : undefined
}

/** Below this much life left a token gets no refresh timer. */
const MIN_LIFE_FOR_TIMER_MS = 2000

/**
 * When to ask for a new token with `lifeLeftMs` to go: `refreshBeforeExpMs` before it expires, or
 * at half its life left when that is sooner; undefined (no timer) under 2 s left.
 */
export function refreshDelay(lifeLeftMs: number, refreshBeforeExpMs: number): number | undefined {
  if (!(lifeLeftMs >= MIN_LIFE_FOR_TIMER_MS)) return undefined
  return Math.floor(Math.max(lifeLeftMs - refreshBeforeExpMs, lifeLeftMs / 2))
}

/** Who a token speaks for, read without verifying: `<role>:<sub>`, or `anon` without a token or a `sub`. */
export function tokenIdentity(token: string | null | undefined): string {
  const claims = typeof token === 'string' ? jwtClaims(token) : undefined
  const sub = claims?.sub
  if (typeof sub !== 'string' || sub === '') return 'anon'
  return `${typeof claims?.role === 'string' ? claims.role : ''}:${sub}`
}
