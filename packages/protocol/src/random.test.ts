// randomUuid: a v4 UUID from crypto.getRandomValues, so ids work where crypto.randomUUID is missing
// (an insecure origin: http://<LAN address>/, issue #14).
import { afterEach, expect, test, vi } from 'vitest'
import { randomUuid } from './random.ts'

afterEach(() => vi.restoreAllMocks())

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

test('is a v4 UUID made of getRandomValues bytes, never of randomUUID', () => {
  const randomUUID = vi.spyOn(globalThis.crypto, 'randomUUID')
  const getRandomValues = vi.spyOn(globalThis.crypto, 'getRandomValues').mockImplementation((array) => {
    new Uint8Array(array.buffer).fill(0xff)
    return array
  })
  expect(randomUuid()).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
  expect([getRandomValues.mock.calls.length, randomUUID.mock.calls.length]).toEqual([1, 0])
})

test('ids are well-formed and distinct', () => {
  const ids = Array.from({ length: 1000 }, randomUuid)
  for (const id of ids) expect(id).toMatch(V4)
  expect(new Set(ids).size).toBe(1000)
})
