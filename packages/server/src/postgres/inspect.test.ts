// Elixir's inspect/2 as the real server's messages use it (Inspect.BitString, Inspect.List,
// Inspect.Map, Inspect.Algebra container_doc with pretty: true), re-stated.
import { describe, expect, test } from 'vitest'
import { inspect, inspectPretty } from './inspect.ts'

describe('inspect', () => {
  test('strings: quotes, backslashes, #{ and control characters escaped', () => {
    expect(inspect('a"b\\c')).toBe('"a\\"b\\\\c"')
    expect(inspect('#{x} # {')).toBe('"\\#{x} # {"')
    expect(inspect('\n\t\r\u001b\u007f')).toBe('"\\n\\t\\r\\e\\d"')
    expect(inspect('héllo ✓')).toBe('"héllo ✓"')
  })

  test('a string with a non-printable character is shown as its bytes', () => {
    expect(inspect('a\u0000b')).toBe('<<97, 0, 98>>')
    expect(inspect('é\u0001')).toBe('<<195, 169, 1>>')
  })

  test('numbers, nil, booleans', () => {
    expect(inspect(42)).toBe('42')
    expect(inspect(-7)).toBe('-7')
    expect(inspect(2.5)).toBe('2.5')
    expect(inspect(1e-7)).toBe('1.0e-7')
    expect(inspect(null)).toBe('nil')
    expect(inspect(true)).toBe('true')
  })

  test('lists: printable code lists are charlists, at most 50 items', () => {
    expect(inspect([104, 105])).toBe('~c"hi"')
    expect(inspect([1, 'a', null])).toBe('[1, "a", nil]')
    expect(inspect([])).toBe('[]')
    const long = inspect(Array.from({ length: 60 }, () => 0))
    expect(long.endsWith(', 0, ...]')).toBe(true)
    expect(long.split(',').length).toBe(51)
  })

  test('maps: keys in byte order, nested terms inspected', () => {
    expect(inspect({ table: 't', event: '*', Z: 1, é: [] })).toBe(
      '%{"Z" => 1, "event" => "*", "table" => "t", "é" => []}',
    )
    expect(inspect({})).toBe('%{}')
  })

  test('pretty: a list of tuples breaks one per line past 80 columns', () => {
    const short = [{ tuple: ['id', 'eq', '1', false] }]
    expect(inspectPretty(short)).toBe('[{"id", "eq", "1", false}]')
    const long = [{ tuple: ['a'.repeat(30), 'eq', '1', false] }, { tuple: ['b'.repeat(30), 'in', '{1,2}', true] }]
    expect(inspectPretty(long)).toBe(
      `[\n  {"${'a'.repeat(30)}", "eq", "1", false},\n  {"${'b'.repeat(30)}", "in", "{1,2}", true}\n]`,
    )
  })
})
