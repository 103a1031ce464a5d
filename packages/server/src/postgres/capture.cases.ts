// Capture cases of the database suite (./database.test.ts), run on PGlite and PostgreSQL alike:
// INSERT, UPDATE and DELETE with column types and to_jsonb values, replica identity, publication
// membership (and its publish flags), rows over pg_notify's 8000-byte limit, transaction order,
// tables without primary key, row level security, the syncTriggers() fallback and sync failures.
// Absence of a change is shown by a later marker change arriving first: notifications are
// delivered in commit order.
import { beforeAll, expect, test } from 'vitest'
import type { DatabaseSuite } from '../test-support/databases.ts'

export function captureCases(suite: DatabaseSuite): void {
  const db = () => suite.t.db
  const take = (count: number) => suite.changes.take(count)
  const mark = () => db().exec('insert into marker default values')

  beforeAll(async () => {
    await db().exec(`
      create table items (
        id int primary key, big int8, label text, done bool, at timestamptz, tags int[], meta jsonb,
        ref uuid, price numeric, ratio float8);
      create table other (id int primary key, note text);
      create table marker (id serial primary key);
      alter publication supabase_realtime add table items, marker;`)
  })

  test('captures an INSERT with column types and JSON values', async () => {
    await db().query(
      `insert into items values (1, 9007199254740991, 'a', true, '2024-05-06 07:08:09.123456+02', '{1,2}', '{"k":[1,{"x":null}]}',
       'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 12.50, 0.25)`,
    )
    const [change] = await take(1)
    expect(change).toMatchObject({
      schema: 'public',
      table: 'items',
      type: 'INSERT',
      primary_key: ['id'],
      rls_enabled: false,
    })
    expect(change?.commit_timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(change?.columns).toEqual([
      { name: 'id', type: 'int4' },
      { name: 'big', type: 'int8' },
      { name: 'label', type: 'text' },
      { name: 'done', type: 'bool' },
      { name: 'at', type: 'timestamptz' },
      { name: 'tags', type: '_int4' },
      { name: 'meta', type: 'jsonb' },
      { name: 'ref', type: 'uuid' },
      { name: 'price', type: 'numeric' },
      { name: 'ratio', type: 'float8' },
    ])
    expect(change?.record).toEqual({
      id: 1,
      big: 9007199254740991,
      label: 'a',
      done: true,
      at: '2024-05-06T05:08:09.123456+00:00',
      tags: [1, 2],
      meta: { k: [1, { x: null }] },
      ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      price: 12.5,
      ratio: 0.25,
    })
    expect(change).not.toHaveProperty('old_record')
  })

  test('UPDATE and DELETE carry the primary key as old_record by default', async () => {
    await db().exec("update items set label = 'b' where id = 1; delete from items where id = 1")
    const [update, remove] = await take(2)
    expect(update).toMatchObject({ type: 'UPDATE', old_record: { id: 1 }, record: { id: 1, label: 'b' } })
    expect(remove).toMatchObject({ type: 'DELETE', old_record: { id: 1 } })
    expect(remove).not.toHaveProperty('record')
  })

  test('REPLICA IDENTITY FULL puts the whole old row in old_record', async () => {
    await db().exec(`alter table items replica identity full;
      insert into items (id, label, done) values (2, 'x', false);
      update items set done = true where id = 2;
      delete from items where id = 2;
      alter table items replica identity default;`)
    const [, update, remove] = await take(3)
    expect(update?.old_record).toMatchObject({ id: 2, label: 'x', done: false, tags: null })
    expect(update?.record).toMatchObject({ id: 2, label: 'x', done: true })
    expect(remove?.old_record).toMatchObject({ id: 2, label: 'x', done: true })
  })

  test('a table outside the publication produces nothing until it is added', async () => {
    await db().exec("insert into other values (1, 'unseen')")
    await mark()
    expect((await take(1))[0]?.table).toBe('marker')
    await db().exec("alter publication supabase_realtime add table other; insert into other values (2, 'seen')")
    expect((await take(1))[0]).toMatchObject({ table: 'other', record: { id: 2, note: 'seen' } })
    await db().exec("alter publication supabase_realtime drop table other; insert into other values (3, 'unseen')")
    await mark()
    expect((await take(1))[0]?.table).toBe('marker')
  })

  test('a row far over 8000 bytes arrives whole', async () => {
    const label = 'é'.repeat(30_000)
    await db().query('insert into items (id, label) values ($1, $2)', [3, label])
    const [change] = await take(1)
    expect(change?.record?.label).toBe(label)
  })

  test('changes of one transaction arrive together, in statement order', async () => {
    await db().exec(`begin;
      insert into items (id, label) values (10, 'first');
      update items set label = 'second' where id = 10;
      insert into items (id, label) values (11, 'third');
      delete from items where id = 10;
      commit;`)
    const got = await take(4)
    expect(got.map((c) => [c.type, c.record?.label ?? c.old_record?.id])).toEqual([
      ['INSERT', 'first'],
      ['UPDATE', 'second'],
      ['INSERT', 'third'],
      ['DELETE', 10],
    ])
    expect(new Set(got.map((c) => c.commit_timestamp)).size).toBe(1)
  })

  test('a rolled-back transaction produces nothing', async () => {
    await db().exec('begin; insert into items (id) values (20); rollback; insert into marker default values')
    expect((await take(1))[0]?.table).toBe('marker')
  })

  test("the publication's publish flags choose the captured operations", async () => {
    await db().exec(`alter publication supabase_realtime set (publish = 'insert');
      insert into items (id) values (30); update items set label = 'no' where id = 30;
      alter publication supabase_realtime set (publish = 'insert, update, delete, truncate');
      update items set label = 'yes' where id = 30;`)
    const got = await take(2)
    expect(got.map((c) => [c.type, c.record?.label ?? null])).toEqual([
      ['INSERT', null],
      ['UPDATE', 'yes'],
    ])
  })

  test('a table without primary key: INSERT has primary_key [], UPDATE is refused as on Supabase', async () => {
    await db().exec(
      "create table loose (v text); alter publication supabase_realtime add table loose; insert into loose values ('a')",
    )
    expect((await take(1))[0]).toMatchObject({ table: 'loose', primary_key: [], record: { v: 'a' } })
    await expect(db().exec("update loose set v = 'b'")).rejects.toThrow(/replica identity/)
  })

  test('row level security is reported with the change', async () => {
    await db().exec(
      'alter table items enable row level security; delete from items where id = 30; alter table items disable row level security',
    )
    expect((await take(1))[0]).toMatchObject({ type: 'DELETE', rls_enabled: true })
  })

  test('without the event trigger, syncTriggers() brings the triggers in step', async () => {
    await db().exec(
      'alter event trigger realtime_dev_sync disable; alter publication supabase_realtime add table other',
    )
    await db().exec("insert into other values (40, 'not yet'); insert into marker default values")
    expect((await take(1))[0]?.table).toBe('marker')
    await db().syncTriggers()
    await db().exec("insert into other values (41, 'now'); alter event trigger realtime_dev_sync enable")
    expect((await take(1))[0]).toMatchObject({ table: 'other', record: { id: 41 } })
  })

  test("a failing sync is logged and never breaks the user's DDL", async () => {
    await db().exec(`alter function realtime_dev.capture() rename to capture_away;
      create table late (id int primary key); alter publication supabase_realtime add table late;
      alter function realtime_dev.capture_away() rename to capture;`)
    expect(suite.t.logs).toContainEqual([
      'warn',
      expect.stringMatching(/^realtime_dev: could not sync capture triggers/),
    ])
    await db().syncTriggers()
    await db().exec('insert into late values (1)')
    expect((await take(1))[0]).toMatchObject({ table: 'late', record: { id: 1 } })
  })
}
