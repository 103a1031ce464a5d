// The database layer, one suite run against PGlite and against a throwaway PostgreSQL (one
// instance of each per file, PGlite's cold start being ~3 s): opening, the capture cases
// (./capture.cases.ts), the subscribing cases (./resolve.cases.ts), an ordinary PostgreSQL
// role without superuser (no event trigger: syncTriggers() does the work), and close(), last.
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import {
  DATABASE_KINDS,
  openTestDatabase,
  recordChanges,
  type DatabaseKind,
  type DatabaseSuite,
  type Recorder,
  type TestDatabase,
} from '../test-support/databases.ts'
import { captureCases } from './capture.cases.ts'
import { openDatabase } from './database.ts'
import { resolveCases } from './resolve.cases.ts'
import type { LogLevel } from './types.ts'

/** PostgreSQL only: PGlite is one superuser session. */
function roleCases(suite: DatabaseSuite): void {
  test('as a role without superuser: autoSync false, syncTriggers() starts the capture', async () => {
    await suite.t.db.exec('create role app login')
    await suite.t.db.exec('create database app owner app')
    const logs: Array<[LogLevel, string]> = []
    const url = (suite.t.url ?? '').replace('//postgres@', '//app@').replace(/\/postgres$/, '/app')
    const db = await openDatabase({ databaseUrl: url, log: (level, message) => logs.push([level, message]) })
    try {
      expect(db.autoSync).toBe(false)
      expect(logs).toContainEqual(['info', expect.stringContaining('permission denied to create event trigger')])
      const own = recordChanges(db)
      await db.exec(
        'create table t (id int primary key); alter publication supabase_realtime add table t; insert into t values (1)',
      )
      await db.syncTriggers()
      await db.exec('insert into t values (2)')
      expect((await own.take(1))[0]).toMatchObject({ type: 'INSERT', record: { id: 2 } })
      expect(own.pending).toEqual([])
    } finally {
      await db.close()
    }
  })
}

const EXTRA_CASES: Record<DatabaseKind, Array<(suite: DatabaseSuite) => void>> = { pglite: [], postgres: [roleCases] }

describe.each(DATABASE_KINDS)('database layer on %s', (kind) => {
  let t: TestDatabase
  let changes: Recorder
  let baseline: string[]
  const suite: DatabaseSuite = {
    kind,
    get t() {
      return t
    },
    get changes() {
      return changes
    },
  }

  beforeAll(async () => {
    baseline = process.getActiveResourcesInfo()
    t = await openTestDatabase(kind)
    changes = recordChanges(t.db)
  }, 60_000)

  afterAll(async () => {
    await t?.stop()
  })

  test('opens with the publication and an event trigger keeping triggers in sync', async () => {
    expect(t.db.kind).toBe(kind)
    expect(t.db.autoSync).toBe(true)
    const { rows } = await t.db.query<{ pubname: string }>(
      "select pubname from pg_publication where pubname = 'supabase_realtime'",
    )
    expect(rows).toEqual([{ pubname: 'supabase_realtime' }])
  })

  describe('capture', () => {
    captureCases(suite)
  })
  describe('subscribing', () => {
    resolveCases(suite)
  })

  for (const cases of EXTRA_CASES[kind]) cases(suite)

  test('close() stops delivery and releases every handle', async () => {
    expect(changes.pending).toEqual([])
    await t.db.close()
    await expect(t.db.query('select 1')).rejects.toBeInstanceOf(Error)
    const extra = process.getActiveResourcesInfo()
    for (const resource of baseline) {
      const at = extra.indexOf(resource)
      if (at >= 0) extra.splice(at, 1)
    }
    // the only newcomers may be the test cluster's process and pipes (stopped in afterAll)
    expect(extra.filter((r) => kind === 'pglite' || (r !== 'PipeWrap' && r !== 'ProcessWrap'))).toEqual([])
  })
})
