// Public API of the postgres_changes part of the protocol package (filters, event
// payloads, bindings), compatible with @supabase/realtime-js 2.119.1.

export { RealtimePostgresFilterBuilder, postgresChangesFilter } from './filter.ts'
export { POSTGRES_CHANGES_FILTER_OPERATORS } from './filter-values.ts'
export type {
  RealtimeFilterValue,
  RealtimeInFilterValue,
  RealtimeIsFilterValue,
  RealtimePostgresChangesFilterOperator,
} from './filter-values.ts'

export { convertCell, convertChangeData, toPostgresChangesPayload } from './changes.ts'
export type {
  PostgresChangesColumn,
  PostgresChangesData,
  PostgresChangesEventType,
  PostgresChangesRecord,
  RealtimePostgresChangesPayload,
  RealtimePostgresDeletePayload,
  RealtimePostgresInsertPayload,
  RealtimePostgresUpdatePayload,
} from './changes.ts'

export {
  POSTGRES_BINDINGS_MISMATCH,
  REALTIME_POSTGRES_CHANGES_LISTEN_EVENT,
  bindingReceives,
  isSamePostgresChangesBinding,
  matchServerBindings,
  normalizePostgresChangesBinding,
} from './bindings.ts'
export type {
  PostgresBindingsMatch,
  PostgresChangesBinding,
  PostgresChangesBindingInput,
  PostgresChangesEvent,
  PostgresChangesRouting,
  PostgresFilterBuilderLike,
  ServerPostgresChangesBinding,
} from './bindings.ts'
