// postgres_changes through @supabase/realtime-js, on the embedded PGlite and on a real
// PostgreSQL (Debian's, started for this file; if it cannot start, this file fails).
import type { RealtimeChannel, RealtimeClient } from '@supabase/realtime-js'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { startServer, type RunningServer } from './server.ts'
import { startPostgres, type PostgresCluster } from './test-support/postgres.ts'
import { collector, realtimeJs, subscribe } from './test-support/realtime-js.ts'
import { admin } from './test-support/server.ts'

const SCHEMA = `create table todos (id serial primary key, list_id int not null, title text not null, done boolean not null default false);
  alter table todos replica identity full; -- so DELETEs carry list_id and pass a list_id filter
  create table notes (id serial primary key, body text);
  alter publication supabase_realtime add table todos, notes;`

type Change = { eventType: string; table: string; new: Record<string, unknown>; old: Record<string, unknown> }

describe.each(['pglite', 'postgres'] as const)('on %s', (kind) => {
  let server: RunningServer
  let cluster: PostgresCluster | undefined
  const clients: RealtimeClient[] = []

  beforeAll(async () => {
    cluster = kind === 'postgres' ? await startPostgres() : undefined
    server = await startServer({
      port: 0,
      log: 'silent',
      admin: true,
      sql: SCHEMA,
      ...(cluster ? { databaseUrl: cluster.url } : {}),
    })
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await cluster?.stop()
  })
  afterEach(async () => {
    for (const c of clients.splice(0)) {
      await c.removeAllChannels()
      await c.disconnect()
    }
  })
  const client = () => {
    const c = realtimeJs(server.url, server.keys.anon)
    clients.push(c)
    return c
  }
  const sql = async (text: string) => expect((await admin(server, '/admin/sql', { sql: text })).status).toBe(200)
  // SUBSCRIBED comes with the join reply; the bindings are resolved against the database after it, and
  // only from "Subscribed to PostgreSQL" on are changes delivered (a row written in between is not)
  const subscribeToPostgres = async (ch: RealtimeChannel) => {
    const system = collector<{ status: string; message: string }>()
    ch.on('system', {}, (p) => system.push(p as never))
    expect(await subscribe(ch)).toEqual({ status: 'SUBSCRIBED' })
    expect(await system.count(1)).toMatchObject([{ status: 'ok', message: 'Subscribed to PostgreSQL' }])
  }

  test('INSERT, UPDATE and DELETE reach a subscription filtered on list_id, with converted cells', async () => {
    const changes = collector<Change>()
    const ch = client()
      .channel('todos-1')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos', filter: 'list_id=eq.1' }, (p) =>
        changes.push(p as never),
      )
    await subscribeToPostgres(ch)
    await sql("insert into todos (list_id, title) values (2, 'other list'), (1, 'milk')")
    await sql("update todos set done = true where title = 'milk'")
    await sql("delete from todos where title = 'milk'")
    const got = await changes.count(3)
    expect(got.map((p) => p.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE'])
    expect(got[0]!.new).toEqual({ id: expect.any(Number), list_id: 1, title: 'milk', done: false })
    expect(got[1]!.new).toMatchObject({ title: 'milk', done: true })
    expect(got[1]!.old).toMatchObject({ title: 'milk', done: false })
    expect(got[2]!.old).toMatchObject({ list_id: 1, title: 'milk', done: true })
    expect(got[2]!.new).toEqual({})
  }, 15_000)

  test('two bindings on one channel each get only their events', async () => {
    const inserts = collector<Change>()
    const notes = collector<Change>()
    const ch = client()
      .channel('mixed')
      .on('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (p) => inserts.push(p as never))
      .on('postgres_changes', { event: '*', schema: 'public', table: 'notes' }, (p) => notes.push(p as never))
    await subscribeToPostgres(ch)
    await sql("insert into notes (body) values ('n1')")
    await sql("insert into todos (list_id, title) values (3, 't3')")
    expect((await notes.count(1)).map((p) => [p.table, p.eventType])).toEqual([['notes', 'INSERT']])
    expect((await inserts.count(1)).map((p) => [p.table, p.new.title])).toEqual([['todos', 't3']])
  }, 15_000)

  test("a filter value of the wrong type is reported as a system error with PostgreSQL's words", async () => {
    const system = collector<{ status: string; message: string }>()
    const ch = client()
      .channel('typed')
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos', filter: 'list_id=eq.abc' }, () => {})
    ch.on('system', {}, (p) => system.push(p as never))
    ch.subscribe()
    const [message] = await system.count(1)
    expect(message).toMatchObject({
      status: 'error',
      message: expect.stringContaining('invalid input syntax for type integer'),
    })
  }, 15_000)
})
