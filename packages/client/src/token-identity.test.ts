// The tab's tokenIdentity (atob + TextDecoder) answers as the engine's (its own decoders) for every string: the two
// must agree, or a tab would key its engine by another identity than the worker reads from the same token.
import { tokenIdentity as engineIdentity } from '@shared-realtime/engine'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { tokenIdentity } from './token-identity.ts'

const b64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url')
const jwt = (payload: string) => `${b64url('{"alg":"HS256"}')}.${payload}.sig`

describe('tokenIdentity in the tab', () => {
  test('reads role and sub as the engine does', () => {
    expect(tokenIdentity(jwt(b64url(JSON.stringify({ sub: 'u1', role: 'authenticated' }))))).toBe('authenticated:u1')
    expect(tokenIdentity(jwt(b64url(JSON.stringify({ sub: 'u1' }))))).toBe(':u1')
    expect(tokenIdentity(null)).toBe('anon')
    expect(tokenIdentity(undefined)).toBe('anon')
  })

  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['no payload', 'a..c'],
    ['four parts', `${jwt(b64url('{"sub":"x"}'))}.d`],
    ['padding only', jwt('==')],
    ['standard alphabet', jwt(Buffer.from('{"sub":"??>>"}').toString('base64'))],
    ['padded', jwt(Buffer.from('{"sub":"ab"}').toString('base64'))],
    ['three =', jwt(`${b64url('{"sub":"ab"}')}===`)],
    ['= inside', jwt(`ey=${b64url('{"sub":"ab"}')}`)],
    ['a space inside', jwt(` ${b64url('{"sub":"ab"}')}`)],
    ['length 4n+1', jwt(`${b64url('{"sub":"abc"}')}A`)],
    ['a byte order mark', jwt(b64url(`\uFEFF{"sub":"x"}`))],
    [
      'overlong UTF-8',
      jwt(b64url(new Uint8Array([0x7b, 0x22, 0x73, 0x75, 0x62, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]))),
    ],
    [
      'a UTF-8 surrogate',
      jwt(b64url(new Uint8Array([0x7b, 0x22, 0x73, 0x75, 0x62, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]))),
    ],
    ['non-ASCII sub', jwt(b64url(JSON.stringify({ sub: 'ü→😀', role: 'r' })))],
    ['an array', jwt(b64url('[1]'))],
    ['null', jwt(b64url('null'))],
    ['sub not a string', jwt(b64url('{"sub":1,"role":"r"}'))],
    ['empty sub', jwt(b64url('{"sub":""}'))],
    ['role not a string', jwt(b64url('{"sub":"s","role":1}'))],
    ['a __proto__ key', jwt(b64url('{"__proto__":{"sub":"p"},"role":"r"}'))],
  ]
  test.each(cases)('%s: as the engine', (_, token) => {
    expect(tokenIdentity(token)).toBe(engineIdentity(token))
  })

  test('any payload part: as the engine', () => {
    const chars = fc.constantFrom(...'AZaz09-_+/=. %\n'.split(''), 'e', 'y', 'J', 'z', 'd', 'W', 'I', 'i', 'O', 'i')
    const claims = fc.record(
      { sub: fc.oneof(fc.string(), fc.integer(), fc.constant('')), role: fc.oneof(fc.string(), fc.boolean()) },
      { requiredKeys: [] },
    )
    const payload = fc.oneof(
      fc.string({ unit: chars }),
      fc.uint8Array().map(b64url),
      claims.map((c) => b64url(JSON.stringify(c))),
      claims.map((c) => Buffer.from(JSON.stringify(c)).toString('base64')),
      fc.tuple(fc.uint8Array({ minLength: 1 }), fc.nat()).map(([bytes, at]) => {
        const text = b64url(bytes)
        const i = at % text.length
        return text.slice(0, i) + text.slice(i + 1) // a character missing: other lengths and bits
      }),
    )
    fc.assert(
      fc.property(payload, (p) => {
        const token = jwt(p)
        expect(tokenIdentity(token)).toBe(engineIdentity(token))
      }),
      { numRuns: 2000 },
    )
  })
})
