// shapeChange / routeChange against the payloads of PROTOCOL.md §3.10 and T5 and the real
// server's apply_rls output: keys per event type, `select` (primary key always kept), DELETE
// under row level security, the 413 and no-primary-key error events, grouping by `select`.
import { describe, expect, test } from 'vitest'
import { routeChange, shapeChange } from './shape.ts'
import type { RowChange, Subscription } from './types.ts'

const columns = [
  { name: 'id', type: 'int4' },
  { name: 'details', type: 'text' },
  { name: 'secret', type: 'text' },
]
const base = {
  schema: 'public',
  table: 'test',
  commit_timestamp: '2026-01-02T03:04:05.678Z',
  columns,
  primary_key: ['id'],
}
const insert: RowChange = { ...base, type: 'INSERT', record: { id: 1, details: 'test', secret: 's' } }
const update: RowChange = {
  ...base,
  type: 'UPDATE',
  record: { id: 1, details: 'new', secret: 's' },
  old_record: { id: 1 },
}
const remove: RowChange = { ...base, type: 'DELETE', old_record: { id: 1, details: 'new', secret: 's' } }
const all: Subscription = { event: '*', schema: 'public', table: 'test', filters: [], select: null }

describe('shapeChange', () => {
  test('INSERT: T5 shape, keys in the real server order, no old_record', () => {
    const payload = shapeChange(all, insert, [7])
    expect(payload).toEqual({
      data: {
        columns,
        commit_timestamp: '2026-01-02T03:04:05.678Z',
        errors: null,
        record: { id: 1, details: 'test', secret: 's' },
        schema: 'public',
        table: 'test',
        type: 'INSERT',
      },
      ids: [7],
    })
    expect(Object.keys(payload)).toEqual(['data', 'ids'])
    expect(Object.keys(payload.data)).toEqual([
      'columns',
      'commit_timestamp',
      'errors',
      'record',
      'schema',
      'table',
      'type',
    ])
  })

  test('UPDATE has old_record and record; DELETE has old_record only', () => {
    expect(Object.keys(shapeChange(all, update, [1]).data)).toEqual([
      'columns',
      'commit_timestamp',
      'errors',
      'old_record',
      'record',
      'schema',
      'table',
      'type',
    ])
    const deleted = shapeChange(all, remove, [1]).data
    expect(Object.keys(deleted)).toEqual([
      'columns',
      'commit_timestamp',
      'errors',
      'old_record',
      'schema',
      'table',
      'type',
    ])
    expect(deleted.old_record).toEqual({ id: 1, details: 'new', secret: 's' })
  })

  test('select restricts columns, record and old_record, keeping the primary key', () => {
    const picked = { ...all, select: ['details'] }
    const data = shapeChange(picked, update, [1]).data
    expect(data.columns).toEqual([columns[0], columns[1]])
    expect(data.record).toEqual({ id: 1, details: 'new' })
    expect(data.old_record).toEqual({ id: 1 })
  })

  test('a DELETE on a table with row level security sends key columns only', () => {
    expect(shapeChange(all, { ...remove, rls_enabled: true }, [1]).data.old_record).toEqual({ id: 1 })
  })

  test('over ~1 MiB: values up to 64 bytes kept, Error 413', () => {
    const big = { ...insert, record: { id: 1, details: 'x'.repeat(1_100_000), secret: 'y'.repeat(62) } }
    const data = shapeChange(all, big, [1]).data
    expect(data.errors).toEqual(['Error 413: Payload Too Large'])
    expect(data.record).toEqual({ id: 1, secret: 'y'.repeat(62) })
    expect(data.columns).toEqual(columns)
  })

  test('INSERT/UPDATE of a table without primary key: the Error 400 event', () => {
    const loose: RowChange = { ...update, primary_key: [] }
    expect(shapeChange(all, loose, [3])).toEqual({
      data: {
        columns: [],
        commit_timestamp: null,
        errors: ['Error 400: Bad Request, no primary key'],
        old_record: {},
        record: {},
        schema: 'public',
        table: 'test',
        type: 'UPDATE',
      },
      ids: [3],
    })
    expect(shapeChange(all, { ...insert, primary_key: [] }, [3]).data).not.toHaveProperty('old_record')
  })
})

describe('routeChange', () => {
  test('one push per distinct select, no-select group first, ids in reverse subscription order', () => {
    const bindings = [
      { id: 1, subscription: all },
      { id: 2, subscription: { ...all, select: ['secret', 'details'] } },
      { id: 3, subscription: { ...all, event: 'INSERT' as const } },
      { id: 4, subscription: { ...all, event: 'DELETE' as const } },
      { id: 5, subscription: { ...all, select: ['details', 'secret'] } },
      { id: 6, subscription: { ...all, select: ['details'] } },
    ]
    const pushes = routeChange(bindings, insert)
    expect(pushes.map((p) => p.ids)).toEqual([[3, 1], [6], [5, 2]])
    expect(pushes.map((p) => Object.keys(p.data.record ?? {}))).toEqual([
      ['id', 'details', 'secret'],
      ['id', 'details'],
      ['id', 'details', 'secret'],
    ])
    expect(routeChange([{ id: 4, subscription: bindings[3]!.subscription }], insert)).toEqual([])
  })
})

describe('column names from the database (issue #16)', () => {
  test('a column named "__proto__" is a column like any other in record', () => {
    const record = JSON.parse('{"id":1,"__proto__":"x","constructor":"y"}') as Record<string, unknown>
    const payload = shapeChange(all, { ...insert, record }, [7])
    const shaped = (payload.data as { record: Record<string, unknown> }).record
    expect(Object.keys(shaped)).toEqual(['id', '__proto__', 'constructor'])
    expect(JSON.parse(JSON.stringify(shaped))).toEqual(record)
  })
})
