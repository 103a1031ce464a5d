// Cell conversion as in realtime-js 2.119.1 test/transformers.test.ts (re-stated), and the
// callback payload for the INSERT / UPDATE / DELETE event shapes of PROTOCOL.md §3.10.
import { describe, expect, test } from 'vitest'
import { convertCell, convertChangeData, toPostgresChangesPayload, type PostgresChangesData } from './changes.ts'

const columns = [
  { name: 'id', type: 'int8' },
  { name: 'details', type: 'text' },
  { name: 'done', type: 'bool' },
]

describe('convertCell', () => {
  test('turns bool t and f into booleans and leaves other values', () => {
    expect(convertCell('bool', 't')).toBe(true)
    expect(convertCell('bool', 'f')).toBe(false)
    expect(convertCell('bool', true)).toBe(true)
    expect(convertCell('bool', 'true')).toBe('true')
  })

  test.each(['float4', 'float8', 'int2', 'int4', 'int8', 'numeric', 'oid'])('parses %s strings as numbers', (type) => {
    expect(convertCell(type, '12345.125')).toBe(12345.125)
    expect(convertCell(type, 7)).toBe(7)
    expect(convertCell(type, null)).toBeNull()
  })

  test('parses numbers the way parseFloat does, keeping strings that are not numbers', () => {
    expect(convertCell('int4', ' 12abc')).toBe(12)
    expect(convertCell('numeric', 'NaN')).toBe('NaN')
    expect(convertCell('float8', 'Infinity')).toBe(Infinity)
  })

  test('parses json and jsonb strings', () => {
    expect(convertCell('jsonb', '{"a":[1,2]}')).toEqual({ a: [1, 2] })
    expect(convertCell('json', '"[1,2,3]"')).toBe('[1,2,3]')
    expect(convertCell('json', { a: 1 })).toEqual({ a: 1 })
  })

  test('keeps a json string that does not parse', () => {
    expect(convertCell('json', 'invalid')).toBe('invalid')
  })

  test('replaces the first space of a timestamp with T', () => {
    expect(convertCell('timestamp', '2021-01-01 12:00:00')).toBe('2021-01-01T12:00:00')
    expect(convertCell('timestamp', '2021-01-01 12:00:00 BC')).toBe('2021-01-01T12:00:00 BC')
    expect(convertCell('timestamptz', '2021-01-01 12:00:00+00')).toBe('2021-01-01 12:00:00+00')
  })

  test('passes other types through', () => {
    expect(convertCell('int4range', '[1,10)')).toBe('[1,10)')
    expect(convertCell('text', '42')).toBe('42')
    expect(convertCell('uuid', 'value')).toBe('value')
  })

  test('parses array literals and converts each element by the element type', () => {
    expect(convertCell('_int4', '{1,2,3,4}')).toEqual([1, 2, 3, 4])
    expect(convertCell('_bool', '{t,f}')).toEqual([true, false])
    expect(convertCell('_text', '{a,b,c}')).toEqual(['a', 'b', 'c'])
    expect(convertCell('_int4', '{}')).toEqual([])
    expect(convertCell('_timestamp', '{"2020-01-01 10:00:00"}')).toEqual(['2020-01-01T10:00:00'])
    expect(convertCell('_daterange', '{"[2021-01-01,2021-12-31)","(2021-01-01,2021-12-31]"}')).toEqual([
      '[2021-01-01,2021-12-31)',
      '(2021-01-01,2021-12-31]',
    ])
  })

  test('reads array elements as JSON first, as realtime-js does', () => {
    expect(convertCell('_text', '{1,2}')).toEqual([1, 2])
    expect(convertCell('_text', '{"a b",c}')).toEqual(['"a b"', 'c'])
  })

  test('leaves arrays that are not literal strings untouched', () => {
    expect(convertCell('_int8', [99, 999])).toEqual([99, 999])
    expect(convertCell('_int4', null)).toBeNull()
    expect(convertCell('_text', 'missing_closing{')).toBe('missing_closing{')
    expect(convertCell('_text', '{missing_closing')).toBe('{missing_closing')
  })
})

describe('convertChangeData', () => {
  test('converts each field by its column type', () => {
    expect(convertChangeData(columns, { id: '33', details: '7', done: 'f' })).toEqual({
      id: 33,
      details: '7',
      done: false,
    })
  })

  test('keeps values already typed, nulls and fields without a column', () => {
    expect(convertChangeData(columns, { id: 23, done: null, extra: 't' })).toEqual({ id: 23, done: null, extra: 't' })
  })

  test('returns an empty object for a missing record', () => {
    expect(convertChangeData(columns, null)).toEqual({})
    expect(convertChangeData(columns, undefined)).toEqual({})
  })

  test('skips the listed types', () => {
    expect(convertChangeData(columns, { id: '33', done: 't' }, { skipTypes: ['int8'] })).toEqual({
      id: '33',
      done: true,
    })
  })

  test('uses the first column of a repeated name', () => {
    const twice = [
      { name: 'n', type: 'int4' },
      { name: 'n', type: 'text' },
    ]
    expect(convertChangeData(twice, { n: '5' })).toEqual({ n: 5 })
  })

  test('keeps a __proto__ field as an own field', () => {
    const record = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>
    const out = convertChangeData([], record)
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype)
    expect(Object.keys(out)).toEqual(['__proto__'])
  })
})

const base = { schema: 'public', table: 'test', commit_timestamp: '2026-01-02T03:04:05.678Z', columns }

describe('toPostgresChangesPayload', () => {
  test('maps an INSERT (no old_record) to new and an empty old', () => {
    const data: PostgresChangesData = { ...base, type: 'INSERT', record: { id: 1, details: 'test' }, errors: null }
    expect(toPostgresChangesPayload(data)).toStrictEqual({
      schema: 'public',
      table: 'test',
      commit_timestamp: '2026-01-02T03:04:05.678Z',
      eventType: 'INSERT',
      new: { id: 1, details: 'test' },
      old: {},
      errors: null,
    })
  })

  test('maps an UPDATE to new and old, converting both', () => {
    const data: PostgresChangesData = {
      ...base,
      type: 'UPDATE',
      record: { id: '1', done: 't' },
      old_record: { id: '1' },
      errors: null,
    }
    const payload = toPostgresChangesPayload(data)
    expect(payload.new).toStrictEqual({ id: 1, done: true })
    expect(payload.old).toStrictEqual({ id: 1 })
  })

  test('maps a DELETE (no record) to old and an empty new', () => {
    const data: PostgresChangesData = { ...base, type: 'DELETE', old_record: { id: 2 }, errors: null }
    const payload = toPostgresChangesPayload(data)
    expect(payload.eventType).toBe('DELETE')
    expect(payload.new).toStrictEqual({})
    expect(payload.old).toStrictEqual({ id: 2 })
  })

  test('ignores record on a DELETE and old_record on an INSERT', () => {
    const insert = toPostgresChangesPayload({
      ...base,
      type: 'INSERT',
      record: { id: 1 },
      old_record: { id: 0 },
      errors: null,
    })
    const remove = toPostgresChangesPayload({
      ...base,
      type: 'DELETE',
      record: { id: 1 },
      old_record: { id: 0 },
      errors: null,
    })
    expect(insert.old).toStrictEqual({})
    expect(remove.new).toStrictEqual({})
  })

  test('gives empty new and old for an event type not spelled in upper case', () => {
    const data = { ...base, type: 'insert', record: { id: 1 }, errors: null } as unknown as PostgresChangesData
    const payload = toPostgresChangesPayload(data)
    expect(payload.eventType).toBe('insert')
    expect(payload.new).toStrictEqual({})
  })

  test('passes errors through', () => {
    const errors = ['Error 413: Payload Too Large']
    const payload = toPostgresChangesPayload({ ...base, type: 'UPDATE', record: { id: 1 }, errors })
    expect(payload.errors).toEqual(errors)
    expect(payload.errors).not.toBe(errors)
  })

  test('converts with no columns by passing values through', () => {
    const data = { ...base, columns: undefined, type: 'INSERT', record: { id: '1' }, errors: null }
    expect(toPostgresChangesPayload(data as unknown as PostgresChangesData).new).toStrictEqual({ id: '1' })
  })

  test('does not mutate its input', () => {
    const data: PostgresChangesData = {
      ...base,
      type: 'UPDATE',
      record: { id: '1', done: 't' },
      old_record: { id: '1' },
      errors: ['x'],
    }
    const before = structuredClone(data)
    const payload = toPostgresChangesPayload(data)
    expect(data).toStrictEqual(before)
    expect(payload.new).not.toBe(data.record)
  })
})
