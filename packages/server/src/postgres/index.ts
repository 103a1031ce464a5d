// The postgres_changes data layer of the dev server: row changes captured by triggers on the
// tables of publication `supabase_realtime` (embedded PGlite or an external PostgreSQL), the
// join's `config.postgres_changes` entries parsed with the real server's messages, matching and
// the event payloads. Behaviour follows supabase/realtime `lib/extensions/postgres_cdc_rls/*`
// and `priv/repo/tenant_schema/realtime/functions/*` (see each file's header).
//
// Typical use by the channel core:
//   const db = await openDatabase({ databaseUrl: process.env.DATABASE_URL, log })   // PGlite without a URL
//   at join, per non-null entry:  const parsed = parsePostgresChangesParams(entry)    // reply {...entry, id: parsed.id}
//   then, after the reply:        const resolved = await db.resolveSubscription(parsed.subscription)
//                                 // ok → "Subscribed to PostgreSQL", else a system error with resolved.message
//   db.onChange((change) => { for (const payload of routeChange(channelBindings, change)) push(payload) })
//   if (!db.autoSync) await db.syncTriggers()   // after running SQL that may change the publication

export { openDatabase } from './database.ts'
export { postgresChangesId, parsePostgresChangesParams } from './params.ts'
export { matchChange } from './match.ts'
export { MAX_RECORD_BYTES, routeChange, shapeChange } from './shape.ts'
export type {
  Database,
  DatabaseMessage,
  StoredDatabaseMessage,
  Filter,
  Log,
  LogLevel,
  OpenDatabaseOptions,
  ParseResult,
  PostgresChangesBinding,
  PostgresChangesEvent,
  PostgresChangesPayload,
  QueryResult,
  ResolveResult,
  RlsAnswer,
  RlsPermissions,
  RlsRequest,
  RowChange,
  ServerChangesData,
  Subscription,
  TableRef,
} from './types.ts'
