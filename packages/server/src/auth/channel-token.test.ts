// channelToken (which token a join runs on) and recheckDelayMs (when it is checked again).
import { describe, expect, it } from 'vitest'
import { channelToken, recheckDelayMs, TOKEN_RECHECK_INTERVAL_MS } from './channel-token.ts'

const SOCKET = 'socket.apikey.token'

describe('channelToken', () => {
  it.each([
    ['access_token', { access_token: 'access.jwt' }, 'access.jwt'],
    ['user_token', { user_token: 'user.jwt' }, 'user.jwt'],
    [
      'user_token over access_token (Realtime order)',
      { access_token: 'access.jwt', user_token: 'user.jwt' },
      'user.jwt',
    ],
    ['the socket token without either', { config: {} }, SOCKET],
    ['the socket token for an sb_ access_token', { access_token: 'sb_publishable_abc' }, SOCKET],
    [
      'the socket token for an sb_ access_token even beside a user_token',
      { access_token: 'sb_secret_x', user_token: 'user.jwt' },
      SOCKET,
    ],
    ['the socket token for an sb_ user_token', { user_token: 'sb_publishable_abc' }, SOCKET],
    [
      'the socket token for an sb_ user_token behind a null access_token',
      { access_token: null, user_token: 'sb_x' },
      SOCKET,
    ],
    [
      'the socket token for an sb_ user_token behind a false access_token',
      { access_token: false, user_token: 'sb_x' },
      SOCKET,
    ],
    ['an empty access_token as is', { access_token: '' }, ''],
    ['the socket token for a non-string access_token', { access_token: 42 }, SOCKET],
    ['user_token when access_token is not a string', { access_token: 42, user_token: 'user.jwt' }, 'user.jwt'],
  ])('picks %s', (_name, payload, expected) => {
    expect(channelToken(payload, SOCKET)).toBe(expected)
  })

  it.each([null, undefined, 'access.jwt', ['access.jwt']])(
    'falls back to the socket token for the payload %j',
    (payload) => {
      expect(channelToken(payload, SOCKET)).toBe(SOCKET)
    },
  )
})

describe('recheckDelayMs', () => {
  it('waits until exp when it is less than 5 minutes away', () => {
    expect(recheckDelayMs({ exp: 1060 }, 1000)).toBe(60_000)
  })

  it('caps the wait at 5 minutes', () => {
    expect(TOKEN_RECHECK_INTERVAL_MS).toBe(300_000)
    expect(recheckDelayMs({ exp: 100_000 }, 1000)).toBe(300_000)
  })

  it('counts from a fractional now', () => {
    expect(recheckDelayMs({ exp: 1010 }, 1000.25)).toBe(9750)
  })

  it.each([{ exp: 900 }, { exp: 'soon' }, {}])('checks at once for %j', (claims) => {
    expect(recheckDelayMs(claims, 1000)).toBe(0)
  })
})
