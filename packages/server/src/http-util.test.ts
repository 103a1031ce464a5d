// Maps keyed by strings from clients are safe for any string (issue #16).
import { describe, expect, test } from 'vitest'
import { headerMap } from './http-util.ts'

describe('headerMap', () => {
  test('a header named "__proto__" or "constructor" is a header like any other', () => {
    const headers = JSON.parse('{"__proto__":"p","constructor":"c","x-many":["1","2"]}') as Record<string, string>
    const map = headerMap(headers)
    expect(Object.keys(map)).toEqual(['__proto__', 'constructor', 'x-many'])
    expect(JSON.parse(JSON.stringify(map))).toEqual(JSON.parse('{"__proto__":"p","constructor":"c","x-many":"1, 2"}'))
  })
})
