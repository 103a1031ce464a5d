// Test helpers for suites that run once against PGlite and once against a throwaway PostgreSQL
// (./postgres.ts): `openTestDatabase(kind)` and a recorder that hands out captured changes as
// they arrive. Waiting is event-driven; the timeout only turns a missing change into a failure.
import { openDatabase } from '../postgres/index.ts'
import type { Database, LogLevel, RowChange } from '../postgres/index.ts'
import { startPostgres } from './postgres.ts'

export const DATABASE_KINDS = ['pglite', 'postgres'] as const
export type DatabaseKind = (typeof DATABASE_KINDS)[number]

/** `url` is the PostgreSQL cluster's (superuser), absent for PGlite. */
export type TestDatabase = { db: Database; logs: Array<[LogLevel, string]>; url?: string; stop(): Promise<void> }

export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  const logs: Array<[LogLevel, string]> = []
  const log = (level: LogLevel, message: string) => logs.push([level, message])
  if (kind === 'pglite') {
    const db = await openDatabase({ log })
    return { db, logs, stop: () => db.close() }
  }
  const cluster = await startPostgres()
  try {
    const db = await openDatabase({ databaseUrl: cluster.url, log })
    return {
      db,
      logs,
      url: cluster.url,
      async stop() {
        await db.close()
        await cluster.stop()
      },
    }
  } catch (error) {
    await cluster.stop()
    throw error
  }
}

/** What shared test cases get: the suite's database and its change recorder, once opened. */
export type DatabaseSuite = { readonly kind: DatabaseKind; readonly t: TestDatabase; readonly changes: Recorder }

export type Recorder = {
  /** The next `count` changes, in arrival order; rejects after `timeoutMs` without them. */
  take(count: number, timeoutMs?: number): Promise<RowChange[]>
  /** Changes that arrived and were not taken yet. */
  readonly pending: RowChange[]
  stop(): void
}

export function recordChanges(db: Database): Recorder {
  const pending: RowChange[] = []
  let waiter: { count: number; resolve: () => void } | undefined
  const stop = db.onChange((change) => {
    pending.push(change)
    if (waiter && pending.length >= waiter.count) waiter.resolve()
  })
  return {
    pending,
    stop,
    async take(count, timeoutMs = 4_000) {
      if (pending.length < count) {
        let timer: ReturnType<typeof setTimeout> | undefined
        try {
          await new Promise<void>((resolve, reject) => {
            waiter = { count, resolve }
            timer = setTimeout(
              () => reject(new Error(`got ${pending.length} of ${count} changes in ${timeoutMs} ms`)),
              timeoutMs,
            )
          })
        } finally {
          clearTimeout(timer)
          waiter = undefined
        }
      }
      return pending.splice(0, count)
    },
  }
}
