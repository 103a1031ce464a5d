// The dev server's options, their defaults and their validation. The CLI (cli.ts)
// maps flags onto these; tests pass them to startServer() directly.

export interface Limits {
  /** Channels one socket may join (Supabase: max_channels_per_client 100). */
  maxChannelsPerClient: number
  /** Joins per second across the server; over it a join is refused and its socket closed with 1001. */
  maxJoinsPerSecond: number
  /** Broadcast events per second across the server, counting every delivery (Supabase: 100). */
  maxEventsPerSecond: number
  /** Largest broadcast / presence / REST payload, in bytes (Supabase: 3000 kB). */
  maxPayloadBytes: number
  /** Presence calls one channel may make per window before it is shut down (Supabase: 5 per 30 s). */
  presenceCalls: { max: number; windowMs: number }
  /** Sockets with at least one joined channel (Supabase: max_concurrent_users 200). */
  maxConcurrentUsers: number
}

export const SUPABASE_LIMITS: Limits = {
  maxChannelsPerClient: 100,
  maxJoinsPerSecond: 100,
  maxEventsPerSecond: 100,
  maxPayloadBytes: 3_000_000,
  presenceCalls: { max: 5, windowMs: 30_000 },
  maxConcurrentUsers: 200,
}

/** No limit at all: for benchmarks and load tests. */
export const NO_LIMITS: Limits = {
  maxChannelsPerClient: Number.POSITIVE_INFINITY,
  maxJoinsPerSecond: Number.POSITIVE_INFINITY,
  maxEventsPerSecond: Number.POSITIVE_INFINITY,
  maxPayloadBytes: Number.POSITIVE_INFINITY,
  presenceCalls: { max: Number.POSITIVE_INFINITY, windowMs: 30_000 },
  maxConcurrentUsers: Number.POSITIVE_INFINITY,
}

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug'

export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. Default 4000. */
  port?: number
  /** Address to listen on. Default 127.0.0.1. */
  host?: string
  /** HS256 secret for JWTs. Default: the local-Supabase development secret. */
  jwtSecret?: string
  /** Enables /admin/* (stats, SQL, faults, restart), each only with the service_role key. Default false. */
  admin?: boolean
  /** Enables the demo app's dev-only /demo/* routes and runs its schema and seed at start (after `sql`). Default false. */
  demo?: boolean
  /** SQL run once at start (schema, seed): the text itself, or `{ file }`. */
  sql?: string | { file: string }
  /**
   * Authorization of private channels, added to what RLS policies on realtime.messages grant: a policy file path,
   * or a PolicySet. Default: none (without SQL policies, private channels are denied to all but service_role).
   */
  policies?: string | unknown
  /** An external PostgreSQL (postgres://…). Default: an embedded PGlite. */
  databaseUrl?: string
  /** A directory for PGlite's data. Default: in memory. */
  dataDir?: string
  /** Limits; `false` turns every limit off. Default: Supabase's. */
  limits?: Partial<Limits> | false
  /** Refuse public channels, as a project with "private only" set. Default false. */
  privateOnly?: boolean
  /** The serializer for clients that send no `vsn`. Default '1.0.0', as Phoenix. */
  vsnDefault?: '1.0.0' | '2.0.0'
  /** A socket that sends nothing for this long is closed with 1000. Default 60 000 (Phoenix). */
  idleTimeoutMs?: number
  /** Delay before a join error reply (Supabase: 5000 ms). Default 0. */
  joinErrorDelayMs?: number
  /** Delay before a refused WebSocket upgrade is answered (Supabase: 2000 ms). Default 0. */
  connectErrorDelayMs?: number
  /** Largest WebSocket frame; bigger ones close the socket with 1009. Default 5 000 000. */
  maxFrameBytes?: number
  log?: LogLevel
}

export interface ResolvedOptions {
  port: number
  host: string
  jwtSecret: string
  admin: boolean
  demo: boolean
  limits: Limits
  privateOnly: boolean
  vsnDefault: '1.0.0' | '2.0.0'
  idleTimeoutMs: number
  joinErrorDelayMs: number
  connectErrorDelayMs: number
  maxFrameBytes: number
  log: LogLevel
}

export class OptionsError extends TypeError {
  override readonly name = 'OptionsError'
}

function count(name: string, value: unknown, fallback: number, { min = 0 } = {}): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || Number.isNaN(value) || value < min) {
    throw new OptionsError(`${name} must be a number ≥ ${min}, got ${JSON.stringify(value)}`)
  }
  return value
}

const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug']

export function resolveOptions(options: ServerOptions, defaultSecret: string): ResolvedOptions {
  const port = count('port', options.port, 4000)
  if (!Number.isInteger(port) || port > 65535)
    throw new OptionsError(`port must be an integer from 0 to 65535, got ${port}`)
  const jwtSecret = options.jwtSecret ?? defaultSecret
  if (typeof jwtSecret !== 'string' || jwtSecret.length < 32) {
    throw new OptionsError('jwtSecret must be a string of at least 32 characters (Supabase requires it)')
  }
  const log = options.log ?? 'info'
  if (!LOG_LEVELS.includes(log))
    throw new OptionsError(`log must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(log)}`)
  const vsnDefault = options.vsnDefault ?? '1.0.0'
  if (vsnDefault !== '1.0.0' && vsnDefault !== '2.0.0') {
    throw new OptionsError(`vsnDefault must be '1.0.0' or '2.0.0', got ${JSON.stringify(vsnDefault)}`)
  }
  const given = options.limits
  const limits: Limits = given === false ? { ...NO_LIMITS } : { ...SUPABASE_LIMITS, ...given }
  for (const key of [
    'maxChannelsPerClient',
    'maxJoinsPerSecond',
    'maxEventsPerSecond',
    'maxPayloadBytes',
    'maxConcurrentUsers',
  ] as const) {
    count(`limits.${key}`, limits[key], 0)
  }
  return {
    port,
    host: options.host ?? '127.0.0.1',
    jwtSecret,
    admin: options.admin === true,
    demo: options.demo === true,
    limits,
    privateOnly: options.privateOnly === true,
    vsnDefault,
    idleTimeoutMs: count('idleTimeoutMs', options.idleTimeoutMs, 60_000, { min: 1 }),
    joinErrorDelayMs: count('joinErrorDelayMs', options.joinErrorDelayMs, 0),
    connectErrorDelayMs: count('connectErrorDelayMs', options.connectErrorDelayMs, 0),
    maxFrameBytes: count('maxFrameBytes', options.maxFrameBytes, 5_000_000, { min: 1 }),
    log,
  }
}
