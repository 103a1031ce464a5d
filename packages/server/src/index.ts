// @shared-realtime/server — the Supabase-Realtime-compatible dev server with an
// embedded Postgres (issue #3). Nothing is exported yet.
export const PACKAGE_STATUS = 'stub' as const
