// Types of the postgres_changes data layer: a captured row change (what the database
// layer emits), a parsed subscription (one entry of the join's `config.postgres_changes`)
// and the database handle. Shapes follow PROTOCOL.md §3.10 and the real server's
// `realtime.apply_rls` output (supabase/realtime priv/repo/tenant_schema/realtime/functions).
import type {
  PostgresChangesColumn,
  PostgresChangesData,
  PostgresChangesEventType,
  PostgresChangesRecord,
  RealtimePostgresChangesFilterOperator,
} from '@shared-realtime/protocol'

import type { RlsAnswer, RlsRequest } from './authorize.ts'

export type { RlsAnswer, RlsPermissions, RlsRequest } from './authorize.ts'
export type { PostgresChangesColumn, PostgresChangesData, PostgresChangesEventType, PostgresChangesRecord }

/** One committed row change of a table in publication `supabase_realtime`. */
export type RowChange = {
  schema: string
  table: string
  type: PostgresChangesEventType
  /** Transaction time, `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds). */
  commit_timestamp: string
  /** Every column of the table in attnum order; `type` is `pg_type.typname` (int4, text, _int4, …). */
  columns: PostgresChangesColumn[]
  /** The new row (INSERT, UPDATE), values as `to_jsonb` gives them. */
  record?: PostgresChangesRecord
  /** The old row (UPDATE, DELETE): replica-identity columns (the primary key unless REPLICA IDENTITY FULL). */
  old_record?: PostgresChangesRecord
  /**
   * Primary-key columns. `select` always keeps them, and an INSERT/UPDATE of a table without one
   * becomes the real server's `Error 400: Bad Request, no primary key` event. Absent = unknown.
   */
  primary_key?: string[]
  /** Row level security was enabled: the real server then sends only key columns in a DELETE's old_record. */
  rls_enabled?: boolean
}

export type PostgresChangesEvent = '*' | PostgresChangesEventType

/** One `column=[not.]op.value` condition, as the real server stores it (`in` values as `{a,b}`). */
export type Filter = {
  column: string
  op: RealtimePostgresChangesFilterOperator
  value: string
  negate: boolean
}

/** A table the subscription was resolved to (see `Database.resolveSubscription`). */
export type TableRef = { schema: string; table: string }

/** A parsed `postgres_changes` entry (the real server's `subscription_params`). */
export type Subscription = {
  event: PostgresChangesEvent
  /** `*` or a LIKE pattern, as the real server reads it. */
  schema: string
  /** `*` or a LIKE pattern. */
  table: string
  filters: readonly Filter[]
  /** Columns to send (primary-key columns are always added), `null` = all. */
  select: readonly string[] | null
  /**
   * The tables of the publication the subscription covered when it was resolved. When present,
   * only changes of these tables match (the real server fixes them when it subscribes);
   * when absent, `schema`/`table` are matched as patterns.
   */
  tables?: readonly TableRef[]
}

export type ParseResult =
  { ok: true; subscription: Subscription; id: number } | { ok: false; message: string; id: number }

export type ResolveResult = { ok: true; subscription: Subscription } | { ok: false; message: string }

/** `data` of a postgres_changes push; `commit_timestamp` is null only in the no-primary-key error event. */
export type ServerChangesData = Omit<PostgresChangesData, 'commit_timestamp'> & { commit_timestamp: string | null }

/** The `postgres_changes` push payload (`[null, null, topic, "postgres_changes", payload]`). */
export type PostgresChangesPayload = { data: ServerChangesData; ids: number[] }

/** A channel's subscription with its id (the `id` of the join reply's `postgres_changes` entry). */
export type PostgresChangesBinding = { id: number; subscription: Subscription }

/** A row of `realtime.messages` to broadcast: `payload` (jsonb) or `binary` (bytea). */
export type DatabaseMessage = {
  id: string
  topic: string
  event: string
  private: boolean
  payload: unknown
  binary?: Uint8Array
}

/** A stored row of `realtime.messages`, with its `inserted_at` in ms since the epoch. */
export type StoredDatabaseMessage = DatabaseMessage & { insertedAt: number }

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'
export type Log = (level: LogLevel, message: string) => void

export type OpenDatabaseOptions = {
  /** PGlite data directory; absent = in memory. Ignored when `databaseUrl` is given. */
  dataDir?: string
  /** `postgres://…` of an external PostgreSQL (e.g. DATABASE_URL); absent = embedded PGlite. */
  databaseUrl?: string
  log?: Log
}

export type QueryResult<T> = { rows: T[] }

export type Database = {
  readonly kind: 'pglite' | 'postgres'
  /**
   * True when an event trigger keeps capture triggers in step with the publication (always on
   * PGlite; on PostgreSQL when the user may create event triggers, i.e. is a superuser).
   * When false, call `syncTriggers()` after running SQL that may change the publication.
   */
  readonly autoSync: boolean
  /** One statement, `$1`-style parameters. Runs on the same session as `exec`. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>
  /** Any number of statements, no parameters. */
  exec(sql: string): Promise<void>
  /** Committed changes, one call per row, in commit order. Returns the unsubscribe function. */
  onChange(listener: (change: RowChange) => void): () => void
  /**
   * Committed rows of `realtime.messages` that have an event and a payload (written by
   * `realtime.send`, `send_binary`, `broadcast_changes` or a plain insert), in commit order.
   */
  onMessage(listener: (message: DatabaseMessage) => void): () => void
  /**
   * Stored private broadcasts of `topic` (rows of `realtime.messages` with `private` and extension
   * `broadcast`) inserted at or after `since` (ms since the epoch): the newest `limit`, oldest first.
   */
  storedMessages(topic: string, since: number, limit: number): Promise<StoredDatabaseMessage[]>
  /** Evaluates the project's RLS policies on `realtime.messages` for a private channel (./authorize.ts). */
  authorize(request: RlsRequest): Promise<RlsAnswer>
  /** Puts capture triggers on exactly the tables of publication `supabase_realtime` (idempotent). */
  syncTriggers(): Promise<void>
  /**
   * What the real server does when it subscribes: finds the publication's tables the
   * subscription covers and validates filters and `select` against them. The error messages
   * are the real server's `Unable to subscribe to changes with given parameters. …`.
   */
  resolveSubscription(subscription: Subscription): Promise<ResolveResult>
  /** Stops listening and closes every connection; pending changes are dropped. */
  close(): Promise<void>
}
