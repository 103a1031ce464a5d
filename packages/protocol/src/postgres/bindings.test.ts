// Binding normalisation, duplicate detection, join-reply matching and event routing, as
// realtime-js 2.119.1 RealtimeChannel does them (test/RealtimeChannel.postgres.test.ts, re-stated).
import { describe, expect, test } from 'vitest'
import {
  POSTGRES_BINDINGS_MISMATCH,
  bindingReceives,
  isSamePostgresChangesBinding,
  matchServerBindings,
  normalizePostgresChangesBinding,
  type PostgresChangesBinding,
} from './bindings.ts'
import { postgresChangesFilter } from './filter.ts'

describe('normalizePostgresChangesBinding', () => {
  test('replaces a filter builder with its built string', () => {
    const filter = postgresChangesFilter().gt('amount', 100).not('status', 'in', ['draft', 'archived'])
    const binding = normalizePostgresChangesBinding({ event: 'UPDATE', schema: 'public', table: 'orders', filter })
    expect(binding.filter).toBe('amount=gt.100,status=not.in.(draft,archived)')
  })

  test('accepts any object with build(), as a builder from another copy of the package', () => {
    const binding = normalizePostgresChangesBinding({
      event: '*',
      schema: 'public',
      filter: { build: () => 'id=eq.1' },
    })
    expect(binding.filter).toBe('id=eq.1')
  })

  test('snapshots the builder: later conditions do not reach the binding', () => {
    const filter = postgresChangesFilter().eq('id', 1)
    const binding = normalizePostgresChangesBinding({ event: 'INSERT', schema: 'public', filter })
    filter.gt('age', 18)
    expect(binding.filter).toBe('id=eq.1')
  })

  test('keeps string filters, select and key order, so the join JSON matches realtime-js', () => {
    const input = { event: '*', schema: 'public', table: 'users', filter: 'a=eq.1', select: ['id', 'name'] } as const
    expect(JSON.stringify(normalizePostgresChangesBinding(input))).toBe(
      '{"event":"*","schema":"public","table":"users","filter":"a=eq.1","select":["id","name"]}',
    )
    const built = normalizePostgresChangesBinding({
      filter: postgresChangesFilter().eq('a', 1),
      event: '*',
      schema: 's',
    })
    expect(JSON.stringify(built)).toBe('{"filter":"a=eq.1","event":"*","schema":"s"}')
  })

  test('returns a copy and leaves the input alone', () => {
    const filter = postgresChangesFilter().eq('id', 1)
    const select = ['id']
    const input = { event: 'INSERT' as const, schema: 'public', filter, select }
    const binding = normalizePostgresChangesBinding(input)
    expect(input.filter).toBe(filter)
    expect(binding).not.toBe(input)
    expect(binding.select).not.toBe(select)
  })

  test('throws a TypeError when build() does not return a string', () => {
    const filter = { build: () => 42 } as unknown as { build(): string }
    expect(() => normalizePostgresChangesBinding({ event: '*', schema: 'public', filter })).toThrow(TypeError)
  })
})

const users: PostgresChangesBinding = { event: 'INSERT', schema: 'public', table: 'users', filter: 'id=eq.1' }

describe('isSamePostgresChangesBinding', () => {
  test('finds a builder filter the same as the equal string filter', () => {
    const built = normalizePostgresChangesBinding({ ...users, filter: postgresChangesFilter().eq('id', 1) })
    expect(isSamePostgresChangesBinding(users, built)).toBe(true)
  })

  test('treats an absent optional value like undefined', () => {
    expect(
      isSamePostgresChangesBinding(
        { event: '*', schema: 'public' },
        { event: '*', schema: 'public', filter: undefined },
      ),
    ).toBe(true)
  })

  const bare: PostgresChangesBinding = { event: 'INSERT', schema: 'public', table: 'users' }

  test.each([
    ['event', users, { ...users, event: 'UPDATE' as const }],
    ['schema', users, { ...users, schema: 'private' }],
    ['table', users, { ...users, table: 'posts' }],
    ['filter', users, { ...users, filter: 'id=eq.2' }],
    ['select', users, { ...users, select: ['id'] }],
    ['filter is empty on one side and absent on the other', bare, { ...bare, filter: '' }],
  ])('tells bindings apart when %s differs', (_field, a, b) => {
    expect(isSamePostgresChangesBinding(a, b)).toBe(false)
  })

  test('compares select lists by their comma-joined text', () => {
    expect(isSamePostgresChangesBinding({ ...users, select: ['a', 'b'] }, { ...users, select: ['a,b'] })).toBe(true)
  })
})

const reply = (binding: PostgresChangesBinding, id: number) => ({ ...binding, id })

describe('matchServerBindings', () => {
  const posts: PostgresChangesBinding = { event: 'UPDATE', schema: 'public', table: 'posts' }

  test('returns the server ids in client order when every entry matches', () => {
    expect(matchServerBindings([users, posts], [reply(users, 11), reply(posts, 22)])).toEqual({
      ok: true,
      ids: [11, 22],
    })
  })

  test('matches null and missing optional fields with undefined ones', () => {
    const server = [{ event: 'UPDATE', schema: 'public', table: 'posts', filter: null, id: 5 }]
    expect(matchServerBindings([posts], server)).toEqual({ ok: true, ids: [5] })
    expect(
      matchServerBindings(
        [{ ...posts, filter: undefined }],
        [{ event: 'UPDATE', schema: 'public', table: 'posts', id: 6 }],
      ),
    ).toEqual({ ok: true, ids: [6] })
  })

  test('ignores select, and server entries past the client list', () => {
    const withSelect = { ...posts, select: ['id'] }
    expect(matchServerBindings([withSelect], [reply(posts, 1), reply(users, 2)])).toEqual({ ok: true, ids: [1] })
  })

  test.each([
    ['event', users, { ...users, event: 'UPDATE' }],
    ['schema', users, { ...users, schema: 'private' }],
    ['table', users, { ...users, table: 'posts' }],
    ['filter', users, { ...users, filter: 'id=eq.2' }],
    ['filter ("" against none)', { ...users, filter: undefined }, { ...users, filter: '' }],
  ])('reports the mismatch when %s differs', (_field, client, server) => {
    expect(matchServerBindings([client], [{ ...server, id: 1 }])).toEqual({
      ok: false,
      error: POSTGRES_BINDINGS_MISMATCH,
    })
  })

  test('compares by position, not by content', () => {
    expect(matchServerBindings([users, posts], [reply(posts, 2), reply(users, 1)]).ok).toBe(false)
  })

  test('reports a mismatch when the server list is shorter, null or has null entries', () => {
    expect(matchServerBindings([users, posts], [reply(users, 1)]).ok).toBe(false)
    expect(matchServerBindings([users], null).ok).toBe(false)
    expect(matchServerBindings([users], [null]).ok).toBe(false)
  })

  test('compares event case-sensitively', () => {
    expect(matchServerBindings([users], [{ ...reply(users, 1), event: 'insert' }]).ok).toBe(false)
  })

  test('succeeds with no ids when there are no client bindings', () => {
    expect(matchServerBindings([], [])).toEqual({ ok: true, ids: [] })
    expect(matchServerBindings([], null)).toEqual({ ok: true, ids: [] })
  })

  test('does not check a reply without a postgres_changes list', () => {
    expect(matchServerBindings([users, posts], undefined)).toEqual({ ok: true, ids: [] })
  })

  test('uses the exact mismatch message of realtime-js', () => {
    expect(POSTGRES_BINDINGS_MISMATCH).toBe('mismatch between server and client bindings for postgres changes')
  })
})

describe('bindingReceives', () => {
  const event = (type: string, ids: number[]) => ({ ids, data: { type } })

  test('delivers when ids holds the id and the event type matches', () => {
    expect(bindingReceives({ event: 'INSERT' }, 7, event('INSERT', [3, 7]))).toBe(true)
  })

  test('skips events whose ids do not hold the id', () => {
    expect(bindingReceives({ event: '*' }, 7, event('INSERT', [3]))).toBe(false)
  })

  test('skips events of another type', () => {
    expect(bindingReceives({ event: 'UPDATE' }, 7, event('INSERT', [7]))).toBe(false)
  })

  test('delivers every type to a * binding', () => {
    for (const type of ['INSERT', 'UPDATE', 'DELETE'])
      expect(bindingReceives({ event: '*' }, 7, event(type, [7]))).toBe(true)
  })

  test('compares the event type ignoring case', () => {
    expect(bindingReceives({ event: 'DELETE' }, 7, event('delete', [7]))).toBe(true)
  })

  test('delivers to a binding whose id is 0', () => {
    expect(bindingReceives({ event: 'INSERT' }, 0, event('INSERT', [0]))).toBe(true)
  })

  test('delivers to a binding without id only when it listens to *', () => {
    expect(bindingReceives({ event: '*' }, undefined, event('INSERT', [1]))).toBe(true)
    expect(bindingReceives({ event: 'INSERT' }, undefined, event('INSERT', [1]))).toBe(false)
  })

  test('skips malformed events without throwing', () => {
    expect(bindingReceives({ event: 'INSERT' }, 7, { ids: [7] })).toBe(false)
    expect(bindingReceives({ event: 'INSERT' }, 7, { ids: [7], data: {} })).toBe(false)
    expect(bindingReceives({ event: 'INSERT' }, 7, { ids: null } as unknown as { ids: number[] })).toBe(false)
  })
})
