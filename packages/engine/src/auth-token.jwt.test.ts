import { createHmac } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { jwtExp, refreshDelay } from './auth-token.ts'

const b64url = (text: string | Buffer) => Buffer.from(text).toString('base64url')

/** A real HS256 JWT, signed as Supabase Auth and the dev server sign them. */
function signHs256(
  claims: Record<string, unknown>,
  secret = 'super-secret-jwt-token-with-at-least-32-characters-long',
): string {
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}`
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`
}

const withPayload = (payload: string) => `${b64url('{"alg":"HS256"}')}.${payload}.sig`

describe('jwtExp', () => {
  test('reads exp from a Supabase Auth session token', () => {
    const token = signHs256({
      aud: 'authenticated',
      exp: 1_800_003_600,
      iat: 1_800_000_000,
      iss: 'http://127.0.0.1:54321/auth/v1',
      sub: '8f4c7c2e-3b1a-4d2e-9a65-1c0e5f6b7a8d',
      email: 'ana@example.com',
      role: 'authenticated',
      aal: 'aal1',
      amr: [{ method: 'password', timestamp: 1_800_000_000 }],
      session_id: '1d3b2f7e-6a4c-4f5e-8b9a-0c1d2e3f4a5b',
      is_anonymous: false,
      user_metadata: {},
      app_metadata: { provider: 'email', providers: ['email'] },
    })
    expect(jwtExp(token)).toBe(1_800_003_600)
  })

  test('reads exp from an anon key shape (iss, role, exp only)', () => {
    expect(jwtExp(signHs256({ iss: 'supabase-demo', role: 'anon', exp: 1_983_812_996 }))).toBe(1_983_812_996)
  })

  test('reads exp whatever the algorithm in the header', () => {
    const payload = b64url(JSON.stringify({ sub: 'u', exp: 1_900_000_000 }))
    expect(
      jwtExp(`${b64url('{"alg":"ES256","kid":"k1","typ":"JWT"}')}.${payload}.${b64url(Buffer.alloc(64, 7))}`),
    ).toBe(1_900_000_000)
  })

  test('decodes the base64url alphabet (- and _) and multi-byte UTF-8 claims', () => {
    const claims = { name: 'Zoë 東京 🚀', note: '???>>>~~~', exp: 1_800_000_123 }
    const payload = b64url(JSON.stringify(claims))
    expect({ hasUrlChars: /[-_]/.test(payload), exp: jwtExp(withPayload(payload)) }).toEqual({
      hasUrlChars: true,
      exp: 1_800_000_123,
    })
  })

  test('accepts padding and the standard base64 alphabet', () => {
    const json = JSON.stringify({ note: '???>>>~~~', exp: 1_700_000_000 })
    const standard = Buffer.from(json).toString('base64')
    expect({
      padded: standard.endsWith('='),
      hasStandardChars: /[+/]/.test(standard),
      exp: jwtExp(withPayload(standard)),
    }).toEqual({
      padded: true,
      hasStandardChars: true,
      exp: 1_700_000_000,
    })
  })

  test.each([
    ['an empty string', ''],
    ['an opaque token', 'sb-opaque-token-1234'],
    ['two parts', `${b64url('{}')}.${b64url('{"exp":1}')}`],
    ['five parts (JWE)', `a.${b64url('{"exp":1}')}.c.d.e`],
    ['an empty payload', 'a..c'],
    ['characters outside base64', 'a.eyJleHAiOjF9!.c'],
    ['a payload length that base64 cannot have', 'a.eyJle.c'],
    ['a payload that is not JSON', withPayload(b64url('exp=1'))],
    ['a JSON array payload', withPayload(b64url('[{"exp":1}]'))],
    ['a JSON null payload', withPayload(b64url('null'))],
    ['invalid UTF-8', withPayload(b64url(Buffer.from([0x7b, 0xff, 0xfe, 0x7d])))],
    ['no exp claim', signHs256({ sub: 'u', role: 'authenticated' })],
    ['exp as a string', signHs256({ exp: '1800000000' })],
    ['exp as null', signHs256({ exp: null })],
  ])('is undefined for %s', (_, token) => {
    expect(jwtExp(token)).toBeUndefined()
  })
})

describe('refreshDelay', () => {
  test.each([
    [3_600_000, 60_000, 3_540_000],
    [120_000, 60_000, 60_000],
    [30_000, 60_000, 15_000],
    [2000, 60_000, 1000],
    [1999, 60_000, undefined],
    [-5000, 60_000, undefined],
    [Number.NaN, 60_000, undefined],
  ])('with %i ms of life left and refreshBeforeExpMs %i, refreshes after %s ms', (lifeLeft, before, delay) => {
    expect(refreshDelay(lifeLeft, before)).toBe(delay)
  })
})
