// Argument checks at the worker's port (the rest are exercised by worker-host.browser.test.ts).
import { describe, expect, test } from 'vitest'
import { checkToken } from './validate.ts'

describe('checkToken', () => {
  test('accepts a JWT, an sb_ API key, empty and null', () => {
    expect(checkToken('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln')).toBe('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln')
    expect(checkToken('sb_publishable_abc-123')).toBe('sb_publishable_abc-123')
    expect(checkToken('')).toBe('')
    expect(checkToken(null)).toBeNull()
  })

  test("refuses a string that cannot be a token, without echoing it: one tab would break every tab's channels", () => {
    for (const token of ['not a token', 'a.b', 'Bearer x.y.z', 'x.y.z\n']) {
      expect(() => checkToken(token)).toThrow(
        expect.objectContaining({
          kind: 'bad-request',
          message: 'token must be a JWT (header.payload.signature) or an sb_ API key',
        }),
      )
    }
    expect(() => checkToken(42)).toThrow(/token must be a string/)
  })
})
