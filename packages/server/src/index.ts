// @shared-realtime/server — a Supabase-Realtime-compatible development and test server.
export { startServer } from './server.ts'
export type { RunningServer } from './server.ts'
export type { Limits, LogLevel, ServerOptions } from './options.ts'
export { NO_LIMITS, OptionsError, SUPABASE_LIMITS } from './options.ts'
