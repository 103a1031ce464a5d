// Dev-only demo routes and schema (issue #6); see routes.ts.
export { colorFor, DEMO_CORS_HEADERS, GUEST_COLORS, handleDemo } from './routes.ts'
export type { DemoDeps } from './routes.ts'
export { DEMO_SQL } from './sql.ts'
