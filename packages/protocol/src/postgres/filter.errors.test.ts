// Input that realtime-js 2.119.1 would turn into a filter the server cannot parse, or reads
// differently from what was asked, throws a TypeError naming the call and the bad value.
import { describe, expect, test } from 'vitest'
import { postgresChangesFilter } from './filter.ts'

// Untyped callers (plain JS, `any`) reach these paths; the casts stand in for them.
const loose = () => postgresChangesFilter() as unknown as Record<string, (...args: unknown[]) => unknown>

describe('column checks', () => {
  test.each([
    ['an empty column', ''],
    ['a blank column', '  '],
    ['a column with "="', 'a=b'],
    ['a column with ","', 'a,b'],
    ['a column with "("', 'f(x)'],
  ])('rejects %s', (_name, column) => {
    expect(() => postgresChangesFilter().eq(column, 1)).toThrow(TypeError)
    expect(() => postgresChangesFilter().eq(column, 1)).toThrow(`eq(…): column must be a non-empty string`)
  })

  test('rejects a column that is not a string', () => {
    expect(() => loose().lt?.(undefined, 1)).toThrow(/lt\(…\): column .* got undefined$/)
  })

  test('accepts a column with surrounding spaces, which the server trims', () => {
    expect(postgresChangesFilter().eq(' id ', 1).build()).toBe(' id =eq.1')
  })
})

describe('value checks', () => {
  test('rejects undefined and names the method, column and value', () => {
    expect(() => loose().eq?.('id', undefined)).toThrow(
      new TypeError(
        'RealtimePostgresFilterBuilder.eq("id"): value must be a string, number, boolean or null, got undefined',
      ),
    )
  })

  test.each([
    ['an object', { a: 1 }, 'got an object'],
    ['an array', [1, 2], 'got an array'],
    ['a function', () => 1, 'got a function'],
  ])('rejects %s', (_name, value, message) => {
    expect(() => loose().gt?.('n', value)).toThrow(message)
  })

  test('accepts NaN and Infinity, which Postgres reads as float values', () => {
    expect(postgresChangesFilter().eq('f', Number.NaN).lt('g', Infinity).build()).toBe('f=eq.NaN,g=lt.Infinity')
  })

  test('rejects an is() value that is not an IS keyword', () => {
    expect(() => loose().is?.('d', 'NULL')).toThrow('is("d"): is() takes null, true, false')
    expect(() => postgresChangesFilter().not('d', 'is', 0 as unknown as null)).toThrow(`not("d", 'is')`)
  })

  test('rejects an unknown operator in not()', () => {
    expect(() => postgresChangesFilter().not('d', 'cs' as 'eq', 'x')).toThrow(/operator must be one of eq .* got cs/)
  })
})

describe('in() checks', () => {
  test('rejects an empty list', () => {
    expect(() => postgresChangesFilter().in('id', [])).toThrow('in("id"): in() requires at least one value')
    expect(() => postgresChangesFilter().not('id', 'in', [])).toThrow(TypeError)
  })

  test('rejects null elements and points to is()', () => {
    expect(() => loose().in?.('id', [1, null])).toThrow('use is() for null')
  })

  test.each([
    ['an empty string', ''],
    ['the word null', 'NULL'],
    ['a brace', 'a{b'],
  ])('rejects %s, which the server array literal would misread', (_name, element) => {
    expect(() => postgresChangesFilter().in('tag', ['ok', element])).toThrow(`got ${JSON.stringify(element)}`)
  })

  test('wraps a lone scalar as realtime-js does', () => {
    expect(loose().in?.('id', 5)?.toString()).toBe('id=in.(5)')
  })

  test('leaves the builder unchanged when a call throws', () => {
    const builder = postgresChangesFilter().eq('a', 1)
    expect(() => builder.in('b', [])).toThrow(TypeError)
    expect(builder.build()).toBe('a=eq.1')
  })
})
