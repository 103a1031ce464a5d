// verifyToken: Realtime's acceptance rules and the exact failure codes and messages.
import fc from 'fast-check'
import { generateKeyPair, SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { signToken } from './keys.ts'
import { NOW, SECRET, b64url, rawToken, signText } from './test-support/tokens.ts'
import { verifyToken } from './verify.ts'

const sign = (claims: Record<string, unknown>, secret = SECRET) => signToken(claims, secret)
const valid = { role: 'authenticated', sub: 'user-1', exp: NOW + 3600 }

describe('verifyToken', () => {
  it('accepts an HS256 token and returns its claims', async () => {
    expect(await verifyToken(await sign(valid), SECRET, NOW)).toEqual({ ok: true, claims: valid })
  })

  it.each(['HS384', 'HS512'] as const)('accepts %s', async (algorithm) => {
    const token = await signToken(valid, SECRET, { algorithm })
    expect(await verifyToken(token, SECRET, NOW)).toMatchObject({ ok: true })
  })

  it('reports an expired token with the seconds since exp', async () => {
    const token = await sign({ ...valid, exp: NOW - 1000 })
    expect(await verifyToken(token, SECRET, NOW)).toEqual({
      ok: false,
      code: 'InvalidJWTToken',
      message: 'Token has expired 1000 seconds ago',
    })
  })

  it('treats exp equal to now as expired 0 seconds ago, flooring a fractional now', async () => {
    const token = await sign({ ...valid, exp: NOW })
    expect(await verifyToken(token, SECRET, NOW + 0.9)).toMatchObject({ message: 'Token has expired 0 seconds ago' })
  })

  it.each([
    ['role', { sub: 'x', exp: NOW + 60 }],
    ['exp', { role: 'anon' }],
  ])('requires %s', async (_missing, claims) => {
    expect(await verifyToken(await sign(claims), SECRET, NOW)).toEqual({
      ok: false,
      code: 'InvalidJWTToken',
      message: 'Fields `role` and `exp` are required in JWT',
    })
  })

  it('counts a null role as present', async () => {
    expect(await verifyToken(await sign({ role: null, exp: NOW + 60 }), SECRET, NOW)).toMatchObject({ ok: true })
  })

  it('checks expiry before the required claims', async () => {
    const token = await sign({ exp: NOW - 5 })
    expect(await verifyToken(token, SECRET, NOW)).toMatchObject({ message: 'Token has expired 5 seconds ago' })
  })

  it('rounds decimal exp and iat half away from zero', async () => {
    const token = await sign({ role: 'anon', exp: NOW + 100.5, iat: -1.5 })
    expect(await verifyToken(token, SECRET, NOW)).toEqual({
      ok: true,
      claims: { role: 'anon', exp: NOW + 101, iat: -2 },
    })
  })

  it('rejects an exp that rounds down to now as an invalid expiration time', async () => {
    const token = await sign({ role: 'anon', exp: NOW + 0.4 })
    expect(await verifyToken(token, SECRET, NOW)).toEqual({
      ok: false,
      code: 'InvalidJWTToken',
      message: 'Token expiration time is invalid',
    })
  })

  it.each([
    [
      'a string exp',
      { role: 'anon', exp: String(NOW + 60) },
      `[message: ${NOW}, claim: "exp", claim_val: "${NOW + 60}"]`,
    ],
    [
      'an expired decimal exp',
      { role: 'anon', exp: NOW - 0.5 },
      `[message: ${NOW}, claim: "exp", claim_val: ${NOW - 0.5}]`,
    ],
    ['a null exp', { role: 'anon', exp: null }, `[message: ${NOW}, claim: "exp", claim_val: nil]`],
    [
      'a string iat',
      { role: 'anon', exp: NOW + 60, iat: '1' },
      '[message: "Invalid token", claim: "iat", claim_val: "1"]',
    ],
  ])('reports %s as an unexpected error carrying the Elixir error term', async (_name, claims, term) => {
    expect(await verifyToken(await sign(claims), SECRET, NOW)).toEqual({
      ok: false,
      code: 'UnknownErrorOnChannel',
      message: term,
    })
  })

  it('validates exp before iat', async () => {
    const token = await sign({ role: 'anon', exp: NOW - 1, iat: 'x' })
    expect(await verifyToken(token, SECRET, NOW)).toMatchObject({ message: 'Token has expired 1 seconds ago' })
  })

  describe('signatures and signers', () => {
    const badSignature = { ok: false, code: 'JwtSignatureError', message: 'Failed to validate JWT signature' }
    const noSigner = {
      ok: false,
      code: 'JwtSignerError',
      message: 'Failed to generate JWT signer, check your JWT secret or JWKS configuration',
    }

    it('rejects a token signed with another secret', async () => {
      const token = await sign(valid, 'another-secret-another-secret-another')
      expect(await verifyToken(token, SECRET, NOW)).toEqual(badSignature)
    })

    it('rejects a token whose claims were altered after signing', async () => {
      const [header, , signature] = (await sign(valid)).split('.')
      const forged = `${header}.${b64url(JSON.stringify({ ...valid, role: 'service_role' }))}.${signature}`
      expect(await verifyToken(forged, SECRET, NOW)).toEqual(badSignature)
    })

    it('refuses alg "none"', async () => {
      const token = `${b64url('{"alg":"none","typ":"JWT"}')}.${b64url(JSON.stringify(valid))}.`
      expect(await verifyToken(token, SECRET, NOW)).toEqual(noSigner)
    })

    it('refuses an RS256 token, having no JWKS', async () => {
      const { privateKey } = await generateKeyPair('RS256')
      const token = await new SignJWT(valid).setProtectedHeader({ alg: 'RS256' }).sign(privateKey)
      expect(await verifyToken(token, SECRET, NOW)).toEqual(noSigner)
    })

    it('refuses a header without alg', async () => {
      expect(await verifyToken(rawToken('{"kid":"k1"}', JSON.stringify(valid)), SECRET, NOW)).toEqual(noSigner)
    })

    it('refuses to verify with an empty secret', async () => {
      expect(await verifyToken(await sign(valid), '', NOW)).toEqual(noSigner)
    })
  })

  describe('malformed input', () => {
    const malformed = { ok: false, code: 'MalformedJWT', message: 'The token provided is not a valid JWT' }

    it.each([
      ['garbage', 'bad_token'],
      ['an empty string', ''],
      ['two segments', 'abc.def'],
      ['four segments', 'a.b.c.d'],
      ['a claims segment that is not base64url', 'eyJhbGciOiJIUzI1NiJ9.e30=.sig'],
      ['a bad percent escape', 'abc%zz.def.ghi'],
    ])('rejects %s', async (_name, token) => {
      expect(await verifyToken(token, SECRET, NOW)).toEqual(malformed)
    })

    it.each([undefined, null, 42, {}, ['a.b.c']])('rejects the non-string %j', async (token) => {
      expect(await verifyToken(token, SECRET, NOW)).toEqual(malformed)
    })

    it('checks the claims segment before the header', async () => {
      expect(await verifyToken('!!!.@@@.sig', SECRET, NOW)).toEqual(malformed)
    })

    it.each([
      ['claims that are a JSON array', rawToken('{"alg":"HS256"}', '[]'), ':expected_claims_map'],
      ['claims that are not JSON', rawToken('{"alg":"HS256"}', 'role=anon'), ':expected_claims_map'],
      ['a header that is not JSON', rawToken('alg', JSON.stringify(valid)), ':expected_header_map'],
      ['a header that is a JSON string', rawToken('"HS256"', JSON.stringify(valid)), ':expected_header_map'],
    ])('reports %s as an unexpected error', async (_name, token, term) => {
      expect(await verifyToken(token, SECRET, NOW)).toEqual({ ok: false, code: 'UnknownErrorOnChannel', message: term })
    })

    it('reports signed claims that are a JSON array as an unexpected error', async () => {
      expect(await verifyToken(await signText('[1]'), SECRET, NOW)).toMatchObject({ message: ':expected_claims_map' })
    })
  })

  describe('preprocessing', () => {
    it('URL-decodes the token and strips whitespace', async () => {
      const token = await sign(valid)
      const mangled = ` \n${token.replaceAll('.', '%2E').slice(0, 20)}\t \r\n${token.replaceAll('.', '%2e').slice(20)}%20\f\v `
      expect(await verifyToken(mangled, SECRET, NOW)).toEqual({ ok: true, claims: valid })
    })

    it('leaves non-ASCII whitespace in place', async () => {
      const [header, payload, signature] = (await sign(valid)).split('.')
      const token = `${header}.${payload!.slice(0, 5)}\u00a0${payload!.slice(5)}.${signature}`
      expect(await verifyToken(token, SECRET, NOW)).toMatchObject({ code: 'MalformedJWT' })
    })

    it('keeps a plus sign as is rather than reading it as a space', async () => {
      const token = `${await sign(valid)}+`
      expect(await verifyToken(token, SECRET, NOW)).toMatchObject({ code: 'JwtSignatureError' })
    })
  })

  it('never throws on any input', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.anything(), fc.stringMatching(/^[A-Za-z0-9_%. -]{0,40}$/)),
        async (token) => {
          const result = await verifyToken(token, SECRET, NOW)
          expect(typeof result.ok).toBe('boolean')
        },
      ),
      { numRuns: 300 },
    )
  })
})
