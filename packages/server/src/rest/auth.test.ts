// authorizeRest: which header carries the token, and the 401/500 answers.
import { describe, expect, it } from 'vitest'
import { signToken } from '../auth/keys.ts'
import { verifyToken } from '../auth/verify.ts'
import { authorizeRest, type RestHeaders } from './auth.ts'

const NOW = 1_700_000_000
const SECRET = 'rest-secret-rest-secret-rest-secret!!'
const unauthorized = { ok: false, status: 401, body: { message: 'Unauthorized' } }

/** A verifier that records the token it saw and accepts "good" only. */
function recorder() {
  const seen: string[] = []
  const verify = async (token: string) => {
    seen.push(token)
    return token === 'good' ? ({ ok: true, claims: { role: 'anon' } } as const) : ({ ok: false } as const)
  }
  return { seen, verify }
}

describe('authorizeRest', () => {
  it.each([
    ['a Bearer token', { authorization: 'Bearer good' }, 'good'],
    ['a bearer token in any case', { authorization: 'BEARER good' }, 'good'],
    ['Bearer over apikey', { authorization: 'Bearer good', apikey: 'other' }, 'good'],
    ['apikey without Authorization', { apikey: 'good' }, 'good'],
    ['apikey when Authorization is empty', { authorization: '', apikey: 'good' }, 'good'],
    ['apikey when the scheme is not bearer', { authorization: 'Basic abc', apikey: 'good' }, 'good'],
    ['the first of repeated apikey headers', { apikey: ['good', 'bad'] }, 'good'],
    ['mixed-case header names', { Authorization: 'Bearer good' }, 'good'],
  ])('uses %s', async (_name, headers: RestHeaders, token) => {
    const { seen, verify } = recorder()
    expect(await authorizeRest(headers, verify)).toEqual({ ok: true, claims: { role: 'anon' }, token: 'good' })
    expect(seen).toEqual([token])
  })

  it('verifies an empty Bearer token rather than falling back to apikey', async () => {
    const { seen, verify } = recorder()
    expect(await authorizeRest({ authorization: 'Bearer ', apikey: 'good' }, verify)).toEqual(unauthorized)
    expect(seen).toEqual([''])
  })

  it.each([
    ['no token', {}],
    ['a non-bearer scheme without apikey', { authorization: 'Basic abc' }],
    ['a failing token', { authorization: 'Bearer bad' }],
  ])('answers 401 for %s', async (_name, headers: RestHeaders) => {
    expect(await authorizeRest(headers, recorder().verify)).toEqual(unauthorized)
  })

  it.each(['Bearer', 'Bearer  good', 'Bearer good extra'])(
    'answers 500 for the Authorization %j, as Realtime crashes on it',
    async (authorization) => {
      const { seen, verify } = recorder()
      expect(await authorizeRest({ authorization, apikey: 'good' }, verify)).toEqual({
        ok: false,
        status: 500,
        body: 'Internal Server Error',
      })
      expect(seen).toEqual([])
    },
  )

  it('works with verifyToken, requiring role and exp', async () => {
    const verify = (token: string) => verifyToken(token, SECRET, NOW)
    const good = await signToken({ role: 'authenticated', exp: NOW + 60 }, SECRET)
    const noRole = await signToken({ exp: NOW + 60 }, SECRET)
    expect(await authorizeRest({ authorization: `Bearer ${good}` }, verify)).toEqual({
      ok: true,
      claims: { role: 'authenticated', exp: NOW + 60 },
      token: good,
    })
    expect(await authorizeRest({ apikey: noRole }, verify)).toEqual(unauthorized)
  })
})
