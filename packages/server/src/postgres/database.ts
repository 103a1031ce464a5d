// `openDatabase`: opens PGlite or PostgreSQL (./drivers.ts), installs the capture machinery
// (./sql-capture.ts, ./sql-check.ts) and the publication `supabase_realtime` (created empty when
// missing, as a local Supabase has it), then turns queue notifications into RowChange events.
//
// Keeping triggers in step with the publication: an event trigger on ddl_command_end re-syncs
// after every DDL statement (both PGlite and PostgreSQL fire it for ALTER PUBLICATION, inside
// the statement's transaction), so users' plain `alter publication supabase_realtime add table
// todos;` works with nothing else to call. Creating an event trigger needs a superuser: when that
// fails (a PostgreSQL role without it), `autoSync` is false and the core must call
// `syncTriggers()` after running SQL and before subscribing. `syncTriggers()` exists and is
// harmless in both cases.
//
// Delivery: each notification carries a queue id; ids are read in batches in arrival order
// (= commit order, and statement order within a transaction) and each row is emitted once to
// every listener. A listener that throws is logged and does not stop the others.
import { openPGlite, openPostgres, type Driver } from './drivers.ts'
import { authorizeByRls } from './authorize.ts'
import { resolveSubscription } from './resolve.ts'
import { CHECK_SQL } from './sql-check.ts'
import {
  CHANNEL,
  CREATE_EVENT_TRIGGER_SQL,
  CREATE_PUBLICATION_SQL,
  FETCH_SQL,
  HAS_EVENT_TRIGGER_SQL,
  INSTALL_SQL,
  LOCK_SQL,
  SCHEMA,
} from './sql-capture.ts'
import { AUTH_SQL, REALTIME_SQL, ROLES_SQL } from './sql-supabase.ts'
import type { Database, DatabaseMessage, Log, OpenDatabaseOptions, RowChange, StoredDatabaseMessage } from './types.ts'

const BATCH = 500

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

async function attempt(driver: Driver, sql: string): Promise<unknown> {
  try {
    await driver.internalExec(sql)
    return undefined
  } catch (error) {
    await driver.internalExec('rollback').catch(() => undefined)
    return error
  }
}

/** Installs (idempotently) and returns whether an event trigger keeps the triggers in sync. */
async function install(driver: Driver, log: Log): Promise<boolean> {
  const failed = await attempt(driver, ['begin;', LOCK_SQL, INSTALL_SQL, CHECK_SQL, 'commit;'].join('\n'))
  if (failed) throw new Error(`realtime_dev: installing schema ${SCHEMA} failed: ${message(failed)}`)
  const noPublication = await attempt(driver, CREATE_PUBLICATION_SQL)
  if (noPublication) log('warn', `could not create publication supabase_realtime: ${message(noPublication)}`)
  const noEventTrigger = await attempt(driver, CREATE_EVENT_TRIGGER_SQL)
  const { rows } = await driver.internal<{ installed: boolean }>(HAS_EVENT_TRIGGER_SQL)
  const autoSync = rows[0]?.installed === true
  if (!autoSync) {
    log(
      'info',
      `no event trigger (${message(noEventTrigger)}): capture triggers follow the publication only when syncTriggers() runs`,
    )
  }
  const noSync = await attempt(driver, `select ${SCHEMA}.sync_triggers()`)
  if (noSync) log('warn', `could not sync capture triggers: ${message(noSync)}`)
  // Supabase's roles, auth helpers and realtime schema: each part on its own, a failure only warns
  for (const [part, sql] of [
    ['the roles anon, authenticated and service_role', ROLES_SQL],
    ['schema auth', AUTH_SQL],
    ['schema realtime', REALTIME_SQL],
  ] as const) {
    const partFailed = await attempt(driver, ['begin;', LOCK_SQL, sql, 'commit;'].join('\n'))
    if (partFailed) log('warn', `could not install ${part} (Supabase's SQL surface): ${message(partFailed)}`)
  }
  return autoSync
}

// Realtime's replay query (lib/realtime/messages.ex): private broadcasts of the topic since `since`,
// newest first, at most `limit`; inserted_at is a timestamp without time zone in the session's zone.
const STORED_MESSAGES_SQL = `select id::text as id, topic, event, payload, encode(binary_payload, 'base64') as binary,
  (extract(epoch from (inserted_at at time zone current_setting('TimeZone'))) * 1000)::float8 as inserted_ms
from realtime.messages
where topic = $1 and private is true and extension = 'broadcast' and event is not null
  and inserted_at >= (to_timestamp($2::float8 / 1000) at time zone current_setting('TimeZone'))
order by inserted_at desc
limit $3`

type StoredRow = {
  id: string
  topic: string
  event: string
  payload: unknown
  binary: string | null
  inserted_ms: number
}

/** A row of realtime.messages as the queue trigger writes it (bytea as base64). */
type QueuedMessage = {
  kind: 'message'
  id: string
  topic: string
  event: string
  private: boolean
  payload: unknown
  binary?: string | null
}

type Queued = (RowChange & { kind?: undefined }) | QueuedMessage

function toMessage(queued: QueuedMessage): DatabaseMessage {
  const { id, topic, event, private: isPrivate, payload, binary } = queued
  return typeof binary === 'string'
    ? { id, topic, event, private: isPrivate, payload: null, binary: new Uint8Array(Buffer.from(binary, 'base64')) }
    : { id, topic, event, private: isPrivate, payload }
}

function startFeed(driver: Driver, log: Log) {
  const listeners = new Set<(change: RowChange) => void>()
  const messageListeners = new Set<(message: DatabaseMessage) => void>()
  const pending: string[] = []
  let running = false
  const state = { closed: false }
  let loop: Promise<void> = Promise.resolve()

  const emit = (id: string, text: string) => {
    let queued: Queued
    try {
      queued = JSON.parse(text) as Queued
    } catch (error) {
      log('error', `change ${id} is not JSON: ${message(error)}`)
      return
    }
    if (queued.kind === 'message') {
      const sent = toMessage(queued)
      for (const listener of messageListeners) {
        try {
          listener(sent)
        } catch (error) {
          log('error', `a message listener threw: ${message(error)}`)
        }
      }
      return
    }
    const change: RowChange = queued
    for (const listener of listeners) {
      try {
        listener(change)
      } catch (error) {
        log('error', `a change listener threw: ${message(error)}`)
      }
    }
  }

  const drain = async () => {
    try {
      while (pending.length > 0 && !state.closed) {
        const batch = pending.splice(0, BATCH)
        let rows: Array<{ id: string; payload: string }>
        try {
          rows = (await driver.internal<{ id: string; payload: string }>(FETCH_SQL, [`{${batch.join(',')}}`])).rows
        } catch (error) {
          if (!state.closed)
            log('error', `reading ${batch.length} queued change(s) failed, they are lost: ${message(error)}`)
          continue
        }
        const byId = new Map(rows.map((row) => [row.id, row.payload]))
        for (const id of batch) {
          const text = byId.get(id)
          if (text === undefined) log('warn', `change ${id} is no longer queued`)
          else if (!state.closed) emit(id, text)
        }
      }
    } finally {
      running = false
    }
  }

  return {
    listeners,
    messageListeners,
    notify(id: string) {
      if (state.closed || !/^\d+$/.test(id)) return
      pending.push(id)
      if (running) return
      running = true
      loop = drain()
    },
    async stop() {
      state.closed = true
      listeners.clear()
      messageListeners.clear()
      await loop
    },
  }
}

/** Opens the embedded PGlite (default) or the PostgreSQL at `databaseUrl`, ready to capture changes. */
export async function openDatabase(options: OpenDatabaseOptions = {}): Promise<Database> {
  const log: Log = options.log ?? (() => undefined)
  const driver = options.databaseUrl
    ? await openPostgres(options.databaseUrl, log)
    : await openPGlite(options.dataDir, log)
  let autoSync: boolean
  const feed = startFeed(driver, log)
  try {
    autoSync = await install(driver, log)
    await driver.listen(CHANNEL, (id) => feed.notify(id))
  } catch (error) {
    await driver.close().catch(() => undefined)
    throw error
  }
  let closing: Promise<void> | undefined
  return {
    kind: driver.kind,
    autoSync,
    query: <T = Record<string, unknown>>(sql: string, params?: readonly unknown[]) => driver.query<T>(sql, params),
    exec: (sql) => driver.exec(sql),
    onChange(listener) {
      feed.listeners.add(listener)
      return () => {
        feed.listeners.delete(listener)
      }
    },
    onMessage(listener) {
      feed.messageListeners.add(listener)
      return () => {
        feed.messageListeners.delete(listener)
      }
    },
    async storedMessages(topic, since, limit) {
      const { rows } = await driver.internal<StoredRow>(STORED_MESSAGES_SQL, [topic, since, limit])
      return rows.toReversed().map((row): StoredDatabaseMessage => ({
        ...toMessage({ ...row, kind: 'message', private: true }),
        insertedAt: Number(row.inserted_ms),
      }))
    },
    authorize: (request) => authorizeByRls((fn) => driver.rolledBack(fn), request),
    async syncTriggers() {
      await driver.internal(`select ${SCHEMA}.sync_triggers()`)
    },
    resolveSubscription: (subscription) =>
      resolveSubscription((sql, params) => driver.internal(sql, params), subscription),
    close() {
      closing ??= feed.stop().then(() => driver.close())
      return closing
    },
  }
}
