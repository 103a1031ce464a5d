// Test helpers: hand-built tokens (any header, any payload text, any signature) for the auth tests.
import { CompactSign } from 'jose'

const encoder = new TextEncoder()

export const NOW = 1_700_000_000
export const SECRET = 'test-secret-with-at-least-32-characters!!'

export const b64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url')

/** A token from raw segment texts; the signature segment is given as is. */
export const rawToken = (header: string, payload: string, signature = 'c2ln'): string =>
  `${b64url(header)}.${b64url(payload)}.${signature}`

/** An HMAC-signed token whose payload is arbitrary text (e.g. not JSON, or a JSON array). */
export function signText(
  payload: string,
  header: Record<string, unknown> = { alg: 'HS256' },
  secret = SECRET,
): Promise<string> {
  return new CompactSign(encoder.encode(payload))
    .setProtectedHeader(header as { alg: string })
    .sign(encoder.encode(secret))
}
