// Subscribing cases of the database suite (./database.test.ts), on PGlite and PostgreSQL alike:
// Database.resolveSubscription resolves tables through publication supabase_realtime with LIKE
// patterns and refuses what the real server's subscription_check_filters refuses, with its
// message format. Expected strings re-state supabase/realtime
// test/realtime/extensions/cdc_rls/subscriptions_test.exs where it has them.
import { beforeAll, expect, test } from 'vitest'
import type { DatabaseSuite } from '../test-support/databases.ts'
import { parsePostgresChangesParams } from './params.ts'
import type { Subscription } from './types.ts'

const UNABLE = 'Unable to subscribe to changes with given parameters.'

function parse(entry: Record<string, unknown>): Subscription {
  const parsed = parsePostgresChangesParams(entry)
  if (!parsed.ok) throw new Error(parsed.message)
  return parsed.subscription
}

export function resolveCases(suite: DatabaseSuite): void {
  beforeAll(async () => {
    await suite.t.db.exec(`
      create schema subs;
      create table subs.test (id int primary key, details text, name varchar(20), flag bool, data bytea);
      create table subs.todos (id int primary key);
      create table subs.todo_lists (id int primary key);
      create table subs.hidden (id int primary key);
      create schema subs_app;
      create table subs_app.notes (id int primary key);
      alter publication supabase_realtime add table subs.test, subs.todos, subs.todo_lists, subs_app.notes;`)
  })

  const resolve = (entry: Record<string, unknown>) => suite.t.db.resolveSubscription(parse(entry))
  const errorOf = async (entry: Record<string, unknown>) => {
    const result = await resolve(entry)
    if (result.ok) throw new Error('expected an error')
    return result.message
  }

  test('fixes the tables of the publication the subscription covers', async () => {
    const one = await resolve({ event: 'INSERT', schema: 'subs', table: 'test', filter: 'id=eq.1' })
    expect(one).toEqual({
      ok: true,
      subscription: expect.objectContaining({ event: 'INSERT', tables: [{ schema: 'subs', table: 'test' }] }),
    })
    const schema = await resolve({ event: '*', schema: 'subs' })
    expect(schema.ok && schema.subscription.tables?.map((x) => x.table)).toEqual(['test', 'todo_lists', 'todos'])
    const all = await resolve({ event: '*', schema: 'subs%' })
    expect(all.ok && all.subscription.tables?.length).toBe(4)
  })

  test('reads schema and table as LIKE patterns, as the real server does', async () => {
    const like = await resolve({ event: '*', schema: 'subs', table: 'todo%' })
    expect(like.ok && like.subscription.tables?.map((x) => x.table)).toEqual(['todo_lists', 'todos'])
    const underscore = await resolve({ event: '*', schema: 'subs_ap_', table: 'notes' })
    expect(underscore.ok && underscore.subscription.tables).toEqual([{ schema: 'subs_app', table: 'notes' }])
  })

  test('a table outside the publication, or missing: Realtime is not enabled', async () => {
    for (const table of ['hidden', 'doesnotexist']) {
      expect(await errorOf({ event: '*', schema: 'subs', table })).toBe(
        `${UNABLE} Please check Realtime is enabled for the given connect parameters: [event: *, schema: subs, table: ${table}, filters: [], select: nil]`,
      )
    }
  })

  test('a filter on a missing column, or with a value of the wrong type', async () => {
    const exception = `${UNABLE} An exception happened so please check your connect parameters:`
    expect(await errorOf({ schema: 'subs', table: 'test', filter: 'subject=eq.hey' })).toBe(
      `${exception} [event: *, schema: subs, table: test, filters: [{"subject", "eq", "hey", false}], select: nil]. ` +
        'Exception: ERROR P0001 (raise_exception) invalid column for filter subject',
    )
    expect(await errorOf({ schema: 'subs', table: 'test', filter: 'id=eq.hey' })).toBe(
      `${exception} [event: *, schema: subs, table: test, filters: [{"id", "eq", "hey", false}], select: nil]. ` +
        'Exception: ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "hey"',
    )
  })

  test.each([
    ['id=in.(1,x)', 'ERROR 22P02 (invalid_text_representation) invalid input syntax for type integer: "x"'],
    [
      `id=in.(${Array.from({ length: 101 }, (_, i) => i).join(',')})`,
      'ERROR P0001 (raise_exception) too many values for `in` filter. Maximum 100',
    ],
    [
      'flag=is.maybe',
      'ERROR P0001 (raise_exception) invalid value for is filter: must be null, true, false, or unknown',
    ],
    ['id=is.true', 'ERROR P0001 (raise_exception) is true filter requires a boolean column, got integer'],
    ['id=like.1%', 'ERROR P0001 (raise_exception) operator like requires a text-compatible column type, got integer'],
    [
      'name=ilike.a%',
      'ERROR P0001 (raise_exception) operator ilike requires a text-compatible column type, got character varying',
    ],
    ['id=match.1', 'ERROR P0001 (raise_exception) operator match requires a text-compatible column type, got integer'],
  ])("filter %s is refused with the check's message", async (filter, exception) => {
    expect(await errorOf({ schema: 'subs', table: 'test', filter })).toMatch(`. Exception: ${exception}`)
  })

  test("an invalid regular expression and a malformed in-list carry Postgres' own wording", async () => {
    expect(await errorOf({ schema: 'subs', table: 'test', filter: 'details=imatch.(a' })).toMatch(
      /Exception: ERROR P0001 \(raise_exception\) invalid regular expression for imatch filter: invalid regular expression: .+/,
    )
    expect(await errorOf({ schema: 'subs', table: 'test', filter: 'id=in.({)' })).toMatch(
      /Exception: ERROR 22P02 \(invalid_text_representation\) malformed array literal: "\{\{\}"\n\n\S/,
    )
  })

  test('accepted filters: every operator on a suitable column, bytea values unchecked', async () => {
    const filter =
      'id=gte.1,id=in.(1,2),details=like.a%,details=match.^a,flag=is.true,flag=not.isdistinct.false,data=eq.zz'
    expect((await resolve({ schema: 'subs', table: 'test', filter })).ok).toBe(true)
  })

  test('select: unknown columns are refused, long logs break one filter per line', async () => {
    const message = await errorOf({
      schema: 'subs',
      table: 'test',
      filter: 'details=eq.aaaaaaaaaaaaaaaaaaaa,name=eq.bbbbbbbbbbbbbbbbbbbb',
      select: ['id', 'nope'],
    })
    expect(message).toBe(
      `${UNABLE} An exception happened so please check your connect parameters: [event: *, schema: subs, table: test, filters: [\n` +
        '  {"details", "eq", "aaaaaaaaaaaaaaaaaaaa", false},\n  {"name", "eq", "bbbbbbbbbbbbbbbbbbbb", false}\n], select: ["id", "nope"]]. ' +
        'Exception: ERROR P0001 (raise_exception) invalid column for select nope',
    )
  })

  test("a failed check leaves the session's open transaction usable", async () => {
    await suite.t.db.exec("begin; insert into subs.test (id, details) values (100, 'kept')")
    expect((await resolve({ schema: 'subs', table: 'test', filter: 'id=eq.x' })).ok).toBe(false)
    await suite.t.db.exec('commit')
    expect((await suite.t.db.query('select details from subs.test where id = 100')).rows).toEqual([{ details: 'kept' }])
    expect((await suite.changes.take(1))[0]).toMatchObject({ table: 'test', record: { id: 100, details: 'kept' } })
  })
}
