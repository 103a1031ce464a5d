// mintKeys and signToken: local-Supabase keys byte for byte, and test tokens.
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { describe, expect, it } from 'vitest'
import { DEFAULT_JWT_SECRET, mintKeys, signToken } from './keys.ts'
import { NOW, SECRET } from './test-support/tokens.ts'
import { verifyToken } from './verify.ts'

// The keys `supabase start` prints for the default secret.
const LOCAL_ANON =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0'
const LOCAL_SERVICE_ROLE =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU'

describe('DEFAULT_JWT_SECRET', () => {
  it('is the local-Supabase default secret', () => {
    expect(DEFAULT_JWT_SECRET).toBe('super-secret-jwt-token-with-at-least-32-characters-long')
  })
})

describe('mintKeys', () => {
  it('reproduces the keys of a local Supabase for the default secret', async () => {
    expect(await mintKeys(DEFAULT_JWT_SECRET)).toEqual({ anon: LOCAL_ANON, service_role: LOCAL_SERVICE_ROLE })
  })

  it('signs with the given secret, so the keys verify against it and no other', async () => {
    const keys = await mintKeys(SECRET)
    expect(await verifyToken(keys.anon, SECRET, NOW)).toEqual({
      ok: true,
      claims: { iss: 'supabase-demo', role: 'anon', exp: 1_983_812_996 },
    })
    expect(await verifyToken(keys.service_role, SECRET, NOW)).toMatchObject({
      ok: true,
      claims: { role: 'service_role' },
    })
    expect(await verifyToken(keys.anon, DEFAULT_JWT_SECRET, NOW)).toMatchObject({ code: 'JwtSignatureError' })
  })
})

describe('signToken', () => {
  it('adds exp from expiresInSeconds and the injected clock', async () => {
    const token = await signToken({ role: 'authenticated', sub: 'u1' }, SECRET, {
      expiresInSeconds: 60,
      nowSeconds: NOW + 0.7,
    })
    expect(decodeJwt(token)).toEqual({ role: 'authenticated', sub: 'u1', exp: NOW + 60 })
  })

  it('writes the claims unchanged without expiresInSeconds', async () => {
    const claims = { role: 'anon', exp: 'not a number', nested: { a: [1, null] } }
    expect(decodeJwt(await signToken(claims, SECRET))).toEqual(claims)
  })

  it('sets alg and typ in the header', async () => {
    const token = await signToken({ role: 'anon' }, SECRET, { algorithm: 'HS512' })
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS512', typ: 'JWT' })
  })

  it('rejects an empty secret', async () => {
    await expect(signToken({ role: 'anon' }, '')).rejects.toThrow('Zero-length key is not supported')
  })
})
