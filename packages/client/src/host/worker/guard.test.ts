// The guard in front of Comlink.expose: what it lets through and what it refuses.
import { describe, expect, test } from 'vitest'
import { checkComlinkMessage } from './guard.ts'

describe('checkComlinkMessage', () => {
  test('passes a command call with plain arguments, and a bare RELEASE', () => {
    expect(checkComlinkMessage({ id: '1', type: 'APPLY', path: ['ping'], argumentList: [] })).toBeNull()
    expect(
      checkComlinkMessage({ id: '2', type: 'APPLY', path: ['subscribe'], argumentList: [{ type: 'RAW', value: 's' }] }),
    ).toBeNull()
    expect(checkComlinkMessage({ id: '3', type: 'RELEASE', path: [] })).toBeNull()
    expect(checkComlinkMessage({ id: '4', type: 'RELEASE', path: [], argumentList: [] })).toBeNull()
  })

  test('refuses a RELEASE with arguments: Comlink would map them outside its try/catch and throw in the worker', () => {
    for (const argumentList of [42, 'x', {}, [null], [{ type: 'RAW', value: 1 }]]) {
      expect(checkComlinkMessage({ id: '5', type: 'RELEASE', path: [], argumentList })).toBe(
        'RELEASE takes no path and no arguments',
      )
    }
  })

  test('refuses other types, unknown commands and non-plain arguments', () => {
    expect(checkComlinkMessage({ id: '6', type: 'GET', path: ['attach'] })).toMatch(/only command calls/)
    expect(checkComlinkMessage({ id: '7', type: 'APPLY', path: ['constructor'], argumentList: [] })).toMatch(
      /unknown command/,
    )
    expect(checkComlinkMessage({ id: '8', type: 'APPLY', path: ['send'], argumentList: [null] })).toMatch(
      /not a Comlink wire value/,
    )
    expect(checkComlinkMessage('APPLY')).toMatch(/Comlink message object/)
  })

  test('passes a proxied function only where the table names a provider argument', () => {
    const { port1 } = new MessageChannel()
    const proxied = { type: 'HANDLER', name: 'proxy', value: port1 }
    const call = (name: string, arg: unknown) =>
      checkComlinkMessage({ id: '9', type: 'APPLY', path: [name], argumentList: [arg] })
    expect(call('setTokenProvider', proxied)).toBeNull()
    expect(call('setAuth', proxied)).toBe('argument 0 of setAuth must be plain data')
    const notAPort = { type: 'HANDLER', name: 'proxy', value: 1 }
    const refused = 'argument 0 of setTokenProvider must be plain data or a proxied function'
    expect(call('setTokenProvider', notAPort)).toBe(refused)
    port1.close()
  })
})
