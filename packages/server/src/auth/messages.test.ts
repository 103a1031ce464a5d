// connectFailure, joinFailureReason, shutdownMessage: a failed token in Realtime's words, fed by
// real verifyToken results.
import { describe, expect, it } from 'vitest'
import { signToken } from './keys.ts'
import { connectFailure, joinFailureReason, shutdownMessage } from './messages.ts'
import { NOW, SECRET, rawToken } from './test-support/tokens.ts'
import { verifyToken, type VerifyFailure } from './verify.ts'

async function failure(token: unknown): Promise<VerifyFailure> {
  const result = await verifyToken(token, SECRET, NOW)
  if (result.ok) throw new Error('expected a failure')
  return result
}

const cases = {
  expired: () => signToken({ role: 'anon', exp: NOW - 1000 }, SECRET).then(failure),
  missingClaims: () => signToken({ role: 'anon' }, SECRET).then(failure),
  expRoundsToNow: () => signToken({ role: 'anon', exp: NOW + 0.2 }, SECRET).then(failure),
  malformed: () => failure(''),
  badSignature: () => signToken({ role: 'anon', exp: NOW + 60 }, 'another-secret-another-secret-another').then(failure),
  noSigner: () => failure(rawToken('{"alg":"RS256"}', '{"role":"anon"}')),
  unexpected: () => signToken({ role: 'anon', exp: NOW + 60, iat: 'today' }, SECRET).then(failure),
}

describe('connectFailure', () => {
  it('answers a missing apikey with 401 "API key is missing"', () => {
    expect(connectFailure('missing')).toEqual({ status: 401, body: { error: 'API key is missing' } })
  })

  it.each([
    ['expired', 401, 'Token has expired'],
    ['expRoundsToNow', 401, 'Token has expired'],
    ['missingClaims', 401, 'Fields `role` and `exp` are required in JWT'],
    ['malformed', 401, 'The token provided is not a valid JWT'],
    ['badSignature', 401, 'Failed to validate JWT signature'],
    ['noSigner', 401, 'Failed to generate JWT signer, check your JWT secret or JWKS configuration'],
    ['unexpected', 500, 'Error connecting to Realtime'],
  ] as const)('answers %s with %i "%s"', async (name, status, error) => {
    expect(connectFailure(await cases[name]())).toEqual({ status, body: { error } })
  })
})

describe('joinFailureReason', () => {
  it.each([
    ['expired', 'InvalidJWTToken: Token has expired 1000 seconds ago'],
    ['expRoundsToNow', 'InvalidJWTToken: Token expiration time is invalid'],
    ['missingClaims', 'InvalidJWTToken: Fields `role` and `exp` are required in JWT'],
    ['malformed', 'MalformedJWT: The token provided is not a valid JWT'],
    ['badSignature', 'JwtSignatureError: Failed to validate JWT signature'],
    ['noSigner', 'JwtSignerError: Failed to generate JWT signer, check your JWT secret or JWKS configuration'],
    ['unexpected', 'Unknown Error on Channel'],
  ] as const)('gives %s as "%s"', async (name, reason) => {
    expect(joinFailureReason(await cases[name]())).toBe(reason)
  })
})

describe('shutdownMessage', () => {
  it.each([
    ['expired', 'Token has expired 1000 seconds ago'],
    ['missingClaims', 'Fields `role` and `exp` are required in JWT'],
    ['malformed', 'The token provided is not a valid JWT'],
    ['badSignature', ':signature_error'],
    ['noSigner', ':error_generating_signer'],
    ['expRoundsToNow', '0'],
    ['unexpected', '[message: "Invalid token", claim: "iat", claim_val: "today"]'],
  ] as const)('gives %s as "%s"', async (name, message) => {
    expect(shutdownMessage(await cases[name]())).toBe(message)
  })

  it('reports a token that expires while the channel runs as expired 0 seconds ago', async () => {
    const token = await signToken({ role: 'anon', exp: NOW + 300 }, SECRET)
    const result = await verifyToken(token, SECRET, NOW + 300)
    expect(result.ok === false && shutdownMessage(result)).toBe('Token has expired 0 seconds ago')
  })
})
