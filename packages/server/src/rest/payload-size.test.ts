// erlangExternalSize against sizes of :erlang.term_to_binary/1 worked out by hand from the
// external term format (version byte + tags).
import { describe, expect, it } from 'vitest'
import { DEFAULT_MAX_PAYLOAD_BYTES, erlangExternalSize, payloadLimitBytes } from './payload-size.ts'

describe('erlangExternalSize', () => {
  it.each([
    ['an empty binary', new Uint8Array(0), 6],
    ['bytes', new Uint8Array(10), 16],
    ['a string', 'data', 10],
    ['a multi-byte string', 'é', 8],
    ['nil', null, 6],
    ['true', true, 7],
    ['false', false, 8],
    ['a small integer', 255, 3],
    ['a negative integer', -1, 6],
    ['a 32-bit integer', 2 ** 31 - 1, 6],
    ['a bignum', 2 ** 31, 8],
    ['a float', 1.5, 10],
    ['an empty list', [], 2],
    ['a list of bytes', [1, 2, 3], 7],
    ['a list of other terms', [1000, 'a'], 18],
    ['an empty map', {}, 6],
    ['a map', { data: 'data' }, 24],
    ['a nested map', { a: { b: [true] } }, 1 + 5 + 6 + 5 + 6 + (5 + 1 + 6)],
  ])('measures %s', (_name, value, size) => {
    expect(erlangExternalSize(value)).toBe(size)
  })
})

describe('payloadLimitBytes', () => {
  it('pads the tenant limit by 500 bytes, giving 3 000 500 by default', () => {
    expect(payloadLimitBytes(100)).toBe(100_500)
    expect(DEFAULT_MAX_PAYLOAD_BYTES).toBe(3_000_500)
  })
})
