// parsePostgresChangesParams against the real server's parse_subscription_params: doctests and
// cases of supabase/realtime lib/extensions/postgres_cdc_rls/subscriptions.ex and
// test/realtime/extensions/cdc_rls/subscriptions_test.exs (re-stated), with exact messages.
import { describe, expect, test } from 'vitest'
import { parseFilters, parsePostgresChangesParams, postgresChangesId } from './params.ts'
import type { Filter } from './types.ts'

const NO_PARAMS = 'No subscription params provided. Please provide at least a `schema` or `table` to subscribe to: '

function filters(filter: string): Filter[] {
  const result = parseFilters(filter)
  if (!result.ok) throw new Error(result.message)
  return result.value
}

const f = (column: string, op: Filter['op'], value: string, negate = false): Filter => ({ column, op, value, negate })

function error(entry: unknown): string {
  const result = parsePostgresChangesParams(entry)
  if (result.ok) throw new Error('expected an error')
  return result.message
}

describe('event, schema, table, select', () => {
  test.each([
    [{ schema: 'public', table: 'messages' }, '*', 'public', 'messages'],
    [{ schema: 'public' }, '*', 'public', '*'],
    [{ table: 'messages' }, '*', 'public', 'messages'],
    [{ event: 'insert', schema: 'public' }, 'INSERT', 'public', '*'],
    [{ event: 'Update', table: 't' }, 'UPDATE', 'public', 't'],
    [{ event: 'DELETE', schema: 's', table: 't' }, 'DELETE', 's', 't'],
    [{ event: 'TRUNCATE', schema: 's' }, '*', 's', '*'],
    [{ event: 5, schema: 's' }, '*', 's', '*'],
  ])('%j → %s %s.%s', (entry, event, schema, table) => {
    const result = parsePostgresChangesParams(entry)
    expect(result).toMatchObject({ ok: true, subscription: { event, schema, table, filters: [], select: null } })
  })

  test('select keeps the strings of a list, an empty list means all columns', () => {
    const pick = (select: unknown) => {
      const r = parsePostgresChangesParams({ schema: 'public', table: 't', select })
      return r.ok ? r.subscription.select : r.message
    }
    expect(pick(['id', 7, 'name'])).toEqual(['id', 'name'])
    expect(pick([])).toBeNull()
    expect(pick(42)).toBeNull()
    expect(pick('id')).toBe(
      'Error parsing `select` params: expected a list of column name strings, e.g. select: ["col1", "col2"]',
    )
  })

  test('select with a wildcard schema or table is refused', () => {
    const message =
      'Column selection is not supported for wildcard subscriptions. Provide an explicit schema and table name.'
    expect(error({ schema: 'public', select: ['id'] })).toBe(message)
    expect(error({ schema: '*', table: 't', select: ['id'] })).toBe(message)
  })

  test('missing or mistyped params quote the entry as Elixir inspects it', () => {
    expect(error({})).toBe(`${NO_PARAMS}%{}`)
    expect(error({ schema: 'public', table: 'images', filter: [123] })).toBe(
      `${NO_PARAMS}%{"filter" => ~c"{", "schema" => "public", "table" => "images"}`,
    )
    expect(error({ table: 'images', schema: { 'actually a': 'map' } })).toBe(
      `${NO_PARAMS}%{"schema" => %{"actually a" => "map"}, "table" => "images"}`,
    )
    expect(error({ schema: 'public', table: 't', filter: null })).toBe(
      `${NO_PARAMS}%{"filter" => nil, "schema" => "public", "table" => "t"}`,
    )
    expect(error({ event: '*', filter: 'id=eq.1', user_token: 'secret' })).toBe(`${NO_PARAMS}<redacted>`)
    expect(error('INSERT')).toBe(`${NO_PARAMS}"INSERT"`)
    expect(error([1, 2.5, true])).toBe(`${NO_PARAMS}[1, 2.5, true]`)
  })
})

describe('filters', () => {
  test.each(['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'like', 'ilike', 'is', 'match', 'imatch', 'isdistinct'] as const)(
    'operator %s',
    (op) => {
      expect(filters(`col=${op}.v`)).toEqual([f('col', op, 'v')])
      expect(filters(`col=not.${op}.v`)).toEqual([f('col', op, 'v', true)])
    },
  )

  test('in takes a parenthesised list and becomes a Postgres array literal', () => {
    expect(filters('subject=in.(hidee,ho)')).toEqual([f('subject', 'in', '{hidee,ho}')])
    expect(filters('id=not.in.(1,2,3)')).toEqual([f('id', 'in', '{1,2,3}', true)])
    expect(filters('tags=in.("a,b",c)')).toEqual([f('tags', 'in', '{"a,b",c}')])
    expect(filters("name=in.(O'Brien,Smith)")).toEqual([f('name', 'in', "{O'Brien,Smith}")])
  })

  test('several filters are split on top-level commas only', () => {
    expect(filters('id=gt.0,id=lt.100')).toEqual([f('id', 'gt', '0'), f('id', 'lt', '100')])
    expect(filters('id=in.(1,2,3),details=eq.active')).toEqual([f('id', 'in', '{1,2,3}'), f('details', 'eq', 'active')])
    expect(filters('a=eq.x),b=eq.y),c=eq.z')).toEqual([f('a', 'eq', 'x)'), f('b', 'eq', 'y)'), f('c', 'eq', 'z')])
    expect(filters(' id=eq.5 , name=eq.x ')).toEqual([f('id', 'eq', '5'), f('name', 'eq', 'x')])
  })

  test('double quotes protect commas and are removed from whole-value strings', () => {
    expect(filters('name=eq."a,b",id=gt.0')).toEqual([f('name', 'eq', 'a,b'), f('id', 'gt', '0')])
    expect(filters('name=eq."a.b:c(d)"')).toEqual([f('name', 'eq', 'a.b:c(d)')])
    expect(filters('name=eq."she said \\"hi\\""')).toEqual([f('name', 'eq', 'she said "hi"')])
    expect(filters('path=eq."C:\\\\tmp"')).toEqual([f('path', 'eq', 'C:\\tmp')])
    expect(filters('path=eq."C:\\new"')).toEqual([f('path', 'eq', 'C:new')])
    expect(filters('name=eq.""')).toEqual([f('name', 'eq', '')])
    expect(filters('name=eq." a "')).toEqual([f('name', 'eq', ' a ')])
    expect(filters('name=not.neq."a,b"')).toEqual([f('name', 'neq', 'a,b', true)])
  })

  test('quotes that do not wrap the whole value are kept literally', () => {
    expect(filters('name=eq."unterminated')).toEqual([f('name', 'eq', '"unterminated')])
    expect(filters('name=eq."ab"cd')).toEqual([f('name', 'eq', '"ab"cd')])
    expect(filters('desc=eq.5" tall,id=gt.0')).toEqual([f('desc', 'eq', '5" tall'), f('id', 'gt', '0')])
    expect(filters(`name=eq.O'Brien "x"`)).toEqual([f('name', 'eq', `O'Brien "x"`)])
  })

  test('values may hold dots and equals signs; empty or blank filters mean none', () => {
    expect(filters('v=eq.1.5=x')).toEqual([f('v', 'eq', '1.5=x')])
    expect(filters('')).toEqual([])
    expect(filters('   ')).toEqual([])
  })

  test.each([
    ['subject=foo.hey', '["foo", "hey"]'],
    ['undefined', '["undefined"]'],
    ['id=eq', '["eq"]'],
    ['id=not.', '[""]'],
    ['id=EQ.1', '["EQ", "1"]'],
    ['id=not.not.eq.1', '["not", "eq.1"]'],
    ['id=gt.0,id=foo.100', '["foo", "100"]'],
    ['q=x."#{a}\\\\"', '["x", "\\"\\#{a}\\\\\\\\\\""]'],
    ['id=in.1,2', '`in` filter value must be wrapped by parentheses'],
    ['id=in.(1', '`in` filter value must be wrapped by parentheses'],
    ['id=gt.0,', 'filter must not contain empty segments (check for extra commas)'],
    [',id=gt.0', 'filter must not contain empty segments (check for extra commas)'],
    ['a=eq.1,,b=eq.2', 'filter must not contain empty segments (check for extra commas)'],
  ])('%s is refused: %s', (filter, reason) => {
    expect(error({ schema: 'public', table: 'messages', filter })).toBe(`Error parsing \`filter\` params: ${reason}`)
  })
})

describe('ids', () => {
  test('equal entries get equal ids whatever the key order; others differ', () => {
    const a = parsePostgresChangesParams({ event: '*', schema: 'public', table: 't', filter: 'id=eq.1' })
    const b = parsePostgresChangesParams({ filter: 'id=eq.1', table: 't', schema: 'public', event: '*' })
    expect(a.id).toBe(b.id)
    expect(a.id).not.toBe(postgresChangesId({ event: '*', schema: 'public', table: 't', filter: 'id=eq.2' }))
    expect(Number.isInteger(a.id) && a.id > 0 && a.id < 2 ** 27).toBe(true)
  })

  test('refused entries have an id too (the join reply lists every entry)', () => {
    expect(parsePostgresChangesParams({ schema: 'public', table: 't', filter: 'bad' })).toMatchObject({
      ok: false,
      id: expect.any(Number),
    })
  })
})
