// The two databases behind `openDatabase`: embedded PGlite (@electric-sql/pglite 0.5, one
// in-process session, in memory or in a data directory) and an external PostgreSQL through
// `pg` (two connections: one for the caller's SQL, one that LISTENs and reads the change queue,
// so the caller's open transactions never delay or see the data layer's own queries). Both are
// imported on demand, so a server using one never loads the other. int8 values are read the
// same way on both (a number when it is safe, else a bigint, PGlite's rule); other types keep
// each driver's defaults (numeric as string, timestamps as Date, json parsed, bytea as bytes).
import type { Log, QueryResult } from './types.ts'

export type Driver = {
  kind: 'pglite' | 'postgres'
  query<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
  exec(sql: string): Promise<void>
  /** The data layer's own queries (PostgreSQL: on the listening connection). */
  internal<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
  internalExec(sql: string): Promise<void>
  listen(channel: string, onPayload: (payload: string) => void): Promise<void>
  /**
   * Runs `fn` in a transaction of its own that is always rolled back (the authorization probes).
   * Nothing else runs on that session meanwhile (PGlite: an exclusive transaction; PostgreSQL: a
   * third connection, one transaction at a time).
   */
  rolledBack<T>(fn: (query: QueryFn) => Promise<T>): Promise<T>
  close(): Promise<void>
}

export type QueryFn = <T>(sql: string, params?: readonly unknown[]) => Promise<QueryResult<T>>

function int8(text: string): number | bigint {
  const value = BigInt(text)
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value
}

/** Our own warnings (a failed trigger sync in the event trigger) reach the log. */
function relayNotice(log: Log) {
  return (notice: { message?: string | undefined }) => {
    if (notice.message?.startsWith('realtime_dev:')) log('warn', notice.message)
  }
}

export async function openPGlite(dataDir: string | undefined, log: Log): Promise<Driver> {
  const { PGlite } = await import('@electric-sql/pglite')
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir)
  await db.waitReady
  const onNotice = relayNotice(log)
  const query = async <T>(sql: string, params?: readonly unknown[]) => {
    const result = await db.query<T>(sql, params ? [...params] : undefined, { onNotice })
    return { rows: result.rows }
  }
  const exec = async (sql: string) => {
    await db.exec(sql, { onNotice })
  }
  return {
    kind: 'pglite',
    query,
    exec,
    internal: query,
    internalExec: exec,
    async listen(channel, onPayload) {
      await db.listen(channel, onPayload)
    },
    rolledBack: (fn) =>
      db.transaction(async (tx) => {
        try {
          return await fn(async <T>(sql: string, params?: readonly unknown[]) => {
            const result = await tx.query<T>(sql, params ? [...params] : undefined, { onNotice })
            return { rows: result.rows }
          })
        } finally {
          if (!tx.closed) await tx.rollback()
        }
      }),
    close: () => db.close(),
  }
}

export async function openPostgres(databaseUrl: string, log: Log): Promise<Driver> {
  const { default: pg } = await import('pg')
  const getTypeParser = ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary' ? int8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser
  const user = new pg.Client({
    connectionString: databaseUrl,
    types: { getTypeParser },
    application_name: 'realtime_dev',
  })
  const listener = new pg.Client({
    connectionString: databaseUrl,
    types: { getTypeParser },
    application_name: 'realtime_dev_listener',
  })
  for (const [client, role] of [
    [user, 'query'],
    [listener, 'listener'],
  ] as const) {
    client.on('error', (error) => log('error', `postgres ${role} connection: ${error.message}`))
    client.on('notice', relayNotice(log))
  }
  try {
    await user.connect()
    await listener.connect()
  } catch (error) {
    await Promise.allSettled([user.end(), listener.end()])
    throw error
  }
  const run =
    (client: typeof user) =>
    async <T>(sql: string, params?: readonly unknown[]) => {
      const result = await client.query(sql, params ? [...params] : undefined)
      return { rows: result.rows as T[] }
    }
  // the authorization probes' connection: opened on first use, one transaction at a time
  let probe: Promise<InstanceType<typeof pg.Client>> | undefined
  let probeQueue: Promise<unknown> = Promise.resolve()
  const openProbe = async () => {
    const client = new pg.Client({
      connectionString: databaseUrl,
      types: { getTypeParser },
      application_name: 'realtime_dev_authorization',
    })
    client.on('error', (error) => log('error', `postgres authorization connection: ${error.message}`))
    client.on('notice', relayNotice(log))
    await client.connect()
    return client
  }
  return {
    kind: 'postgres',
    query: run(user),
    async exec(sql) {
      await user.query(sql)
    },
    internal: run(listener),
    async internalExec(sql) {
      await listener.query(sql)
    },
    async listen(channel, onPayload) {
      listener.on('notification', (message) => {
        if (message.channel === channel && message.payload !== undefined) onPayload(message.payload)
      })
      await listener.query(`listen ${channel}`)
    },
    rolledBack<T>(fn: (query: QueryFn) => Promise<T>): Promise<T> {
      const task = probeQueue.then(async () => {
        probe ??= openProbe()
        let client: InstanceType<typeof pg.Client>
        try {
          client = await probe
        } catch (error) {
          probe = undefined
          throw error
        }
        await client.query('begin')
        try {
          return await fn(run(client))
        } finally {
          await client.query('rollback').catch(() => undefined)
        }
      })
      probeQueue = task.catch(() => undefined)
      return task
    },
    async close() {
      const opened = probe?.then((client) => client.end()).catch(() => undefined)
      await Promise.allSettled([user.end(), listener.end(), opened])
    },
  }
}
