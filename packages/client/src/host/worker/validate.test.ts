// Argument checks at the worker's port (the rest are exercised by worker-host.browser.test.ts).
import { describe, expect, test } from 'vitest'
import { checkConfig, checkToken } from './validate.ts'
import { offlineConfig } from '../test-support/config.ts'

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

describe('checkConfig', () => {
  const config = offlineConfig()

  test('takes an identity and guards (Infinity turns one off)', () => {
    const guards = { maxChannels: 5, sendsPerSecond: 2.5, joinBurst: Number.POSITIVE_INFINITY }
    expect(checkConfig({ ...config, identity: 'authenticated:u1', guards })).toEqual({
      ...config,
      identity: 'authenticated:u1',
      guards,
    })
  })

  test.each([
    [{ identity: 42 }, /config.identity must be a string/],
    [{ identity: '' }, /config.identity must be a string of 1 to 1024 characters/],
    [{ guards: [] }, /config.guards must be/],
    [{ guards: { maxSockets: 2 } }, /config.guards.maxSockets must be one of maxPayloadBytes, .*maxChannels/],
    [{ guards: { maxChannels: 0 } }, /config.guards.maxChannels must be a number ≥ 1 or Infinity, got 0/],
    [{ guards: { maxChannels: 2.5 } }, /config.guards.maxChannels must be an integer ≥ 1/],
  ])('refuses %j with a bad-request naming it', (extra, message) => {
    expect(() => checkConfig({ ...config, ...extra })).toThrow(
      expect.objectContaining({ kind: 'bad-request', message: expect.stringMatching(message) }),
    )
  })
})
