// matchChange as realtime.apply_rls / is_visible_through_filters / check_equality_op decide:
// event and table, each operator with the column type's semantics, SQL NULLs, DELETE filtering
// on the old record, the no-primary-key error event, LIKE table patterns and resolved tables.
import { describe, expect, test } from 'vitest'
import { matchChange } from './match.ts'
import { parseFilters } from './params.ts'
import type { RowChange, Subscription } from './types.ts'

const columns = [
  { name: 'id', type: 'int4' },
  { name: 'price', type: 'numeric' },
  { name: 'name', type: 'text' },
  { name: 'code', type: 'bpchar' },
  { name: 'done', type: 'bool' },
  { name: 'at', type: 'timestamptz' },
  { name: 'day', type: 'date' },
  { name: 'ref', type: 'uuid' },
  { name: 'meta', type: 'jsonb' },
  { name: 'tags', type: '_int4' },
  { name: 'note', type: 'text' },
]
const record = {
  id: 10,
  price: 2.5,
  name: "O'Brien, Jr",
  code: 'ab  ',
  done: true,
  at: '2024-05-06T05:08:09.5+00:00',
  day: '2024-05-06',
  ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  meta: { a: [1, 2] },
  tags: [1, 2],
  note: null,
}
const base = {
  schema: 'public',
  table: 'items',
  commit_timestamp: '2024-05-06T05:08:09.000Z',
  columns,
  primary_key: ['id'],
}
const insert: RowChange = { ...base, type: 'INSERT', record }
const update: RowChange = { ...base, type: 'UPDATE', record, old_record: { id: 10 } }
const removeKeyOnly: RowChange = { ...base, type: 'DELETE', old_record: { id: 10 } }
const removeFull: RowChange = { ...base, type: 'DELETE', old_record: record }

function sub(filter = '', extra: Partial<Subscription> = {}): Subscription {
  const parsed = parseFilters(filter)
  if (!parsed.ok) throw new Error(parsed.message)
  return { event: '*', schema: 'public', table: 'items', filters: parsed.value, select: null, ...extra }
}

const matches = (filter: string, change: RowChange = insert) => matchChange(sub(filter), change)

describe('event and table', () => {
  test('event * or the change type', () => {
    expect(matchChange(sub('', { event: 'INSERT' }), insert)).toBe(true)
    expect(matchChange(sub('', { event: 'UPDATE' }), insert)).toBe(false)
    expect(matchChange(sub('', { event: 'DELETE' }), removeKeyOnly)).toBe(true)
  })

  test('schema and table are LIKE patterns without escapes; * matches all', () => {
    expect(matchChange(sub('', { table: '*' }), insert)).toBe(true)
    expect(matchChange(sub('', { schema: '*', table: '*' }), insert)).toBe(true)
    expect(matchChange(sub('', { table: 'item%' }), insert)).toBe(true)
    expect(matchChange(sub('', { table: 'i_ems' }), insert)).toBe(true)
    expect(matchChange(sub('', { table: 'other' }), insert)).toBe(false)
    expect(matchChange(sub('', { schema: 'private' }), insert)).toBe(false)
  })

  test('once resolved, only the resolved tables match', () => {
    expect(matchChange(sub('', { table: '*', tables: [{ schema: 'public', table: 'items' }] }), insert)).toBe(true)
    expect(matchChange(sub('', { table: '*', tables: [{ schema: 'public', table: 'todos' }] }), insert)).toBe(false)
  })
})

describe('filters follow the column type', () => {
  test.each([
    ['id=eq.10', true],
    ['id=eq.010', true],
    ['id=neq.10', false],
    ['id=lt.9', false],
    ['id=lte.10', true],
    ['id=gt.9', true],
    ['id=gte.11', false],
    ['id=gt.9,id=lt.100', true],
    ['price=eq.2.50', true],
    ['price=lt.10', true],
    ['name=eq."O\'Brien, Jr"', true],
    ['name=gt.N', true],
    ['code=eq.ab', true],
    ['done=eq.true', true],
    ['done=eq.t', true],
    ['done=eq.off', false],
    ['at=eq.2024-05-06 07:08:09.500+02', true],
    ['at=gt.2024-05-06T05:08:09Z', true],
    ['day=lt.2024-05-07', true],
    ['ref=eq.A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', true],
    ['meta=eq."{\\"a\\": [1, 2]}"', true],
    ['meta=eq.{"a":2}', false],
    // array columns never match: the real server's cast of the JSON text `[1, 2]` raises
    ['tags=eq."{1,2}"', false],
  ])('%s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected)
  })

  test.each([
    ['id=in.(1,10,100)', true],
    ['id=in.(1,2)', false],
    ['id=not.in.(1,2)', true],
    ['name=in.("O\'Brien, Jr",x)', true],
    ['id=in.(1,NULL)', false],
    ['id=not.in.(1,NULL)', false],
  ])('in-lists: %s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected)
  })

  test.each([
    ['name=like.O%Jr', true],
    ['name=like.o%', false],
    ['name=ilike.o%', true],
    ['name=like.O_Brien%', true],
    ['name=not.like.O%', false],
    ['name=match.^O.*r$', true],
    ["name=imatch.^o'b", true],
    ['name=match.(', false],
  ])('patterns: %s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected)
  })

  test.each([
    ['note=eq.x', false],
    ['note=not.eq.x', false],
    ['note=neq.x', false],
    ['note=is.null', true],
    ['note=not.is.null', false],
    ['name=not.is.null', true],
    ['done=is.true', true],
    ['done=is.false', false],
    ['done=not.is.false', true],
    ['note=isdistinct.x', true],
    ['name=isdistinct.x', true],
    ['id=isdistinct.10', false],
    ['id=not.isdistinct.10', true],
    ['missing=eq.1', false],
  ])('NULLs and missing columns: %s → %s', (filter, expected) => {
    expect(matches(filter)).toBe(expected)
  })

  test('UPDATE filters on the new row', () => {
    expect(matches('name=like.O%', update)).toBe(true)
    expect(matches('id=eq.11', update)).toBe(false)
  })
})

describe('DELETE is filtered on the old record (the real server, not the Supabase docs)', () => {
  test('no filter: every DELETE', () => {
    expect(matches('', removeKeyOnly)).toBe(true)
  })

  test('a key filter works with the default replica identity', () => {
    expect(matches('id=eq.10', removeKeyOnly)).toBe(true)
    expect(matches('id=eq.11', removeKeyOnly)).toBe(false)
  })

  test('a filter on another column needs REPLICA IDENTITY FULL', () => {
    expect(matches('name=like.O%', removeKeyOnly)).toBe(false)
    expect(matches('name=like.O%', removeFull)).toBe(true)
  })
})

test('an INSERT/UPDATE of a table without primary key reaches every subscriber of the table (error event)', () => {
  const loose: RowChange = { ...insert, primary_key: [] }
  expect(matches('id=eq.99', loose)).toBe(true)
  expect(matchChange(sub('', { table: 'other' }), loose)).toBe(false)
  expect(matches('id=eq.99', { ...removeKeyOnly, primary_key: [] })).toBe(false)
})
