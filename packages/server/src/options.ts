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
  /** Presence events (tracks, untracks, diffs delivered) per second across the server (Supabase: 1000). */
  maxPresenceEventsPerSecond: number
  /** Longest topic ("realtime:<sub-topic>") a join may name, in UTF-8 bytes (Realtime's V2 frame field: 255). */
  maxTopicBytes: number
  /** Private broadcasts kept in memory for replay: total payload bytes, and age in ms (oldest dropped first). */
  storedMessages: { maxBytes: number; maxAgeMs: number }
  /**
   * TCP connections open at once: WebSockets, joined or not, and HTTP requests (REST, admin, demo). Over it a new
   * connection is closed at once. Not a Supabase tenant limit (its transport has its own); default 10 000.
   */
  maxConnections: number
}

export const SUPABASE_LIMITS: Limits = {
  maxChannelsPerClient: 100,
  maxJoinsPerSecond: 100,
  maxEventsPerSecond: 100,
  maxPayloadBytes: 3_000_000,
  presenceCalls: { max: 5, windowMs: 30_000 },
  maxConcurrentUsers: 200,
  maxPresenceEventsPerSecond: 1000,
  maxTopicBytes: 255,
  storedMessages: { maxBytes: 50_000_000, maxAgeMs: 3 * 24 * 3600 * 1000 },
  maxConnections: 10_000,
}

/** No limit at all: for benchmarks and load tests. */
export const NO_LIMITS: Limits = {
  maxChannelsPerClient: Number.POSITIVE_INFINITY,
  maxJoinsPerSecond: Number.POSITIVE_INFINITY,
  maxEventsPerSecond: Number.POSITIVE_INFINITY,
  maxPayloadBytes: Number.POSITIVE_INFINITY,
  presenceCalls: { max: Number.POSITIVE_INFINITY, windowMs: 30_000 },
  maxConcurrentUsers: Number.POSITIVE_INFINITY,
  maxPresenceEventsPerSecond: Number.POSITIVE_INFINITY,
  maxTopicBytes: Number.POSITIVE_INFINITY,
  // memory bounds stay on without limits: a benchmark must not grow the process without end
  storedMessages: { maxBytes: 50_000_000, maxAgeMs: 3 * 24 * 3600 * 1000 },
  maxConnections: Number.POSITIVE_INFINITY,
}

export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug'

export interface ServerOptions {
  /** Port to listen on; 0 picks a free one. Default 4000. */
  port?: number
  /**
   * Address to listen on. Default 127.0.0.1. Anything but a loopback address needs an explicit `jwtSecret` (the
   * default one, so the service_role key, is public).
   */
  host?: string
  /**
   * Host names (without port) accepted in the `Host` header besides loopback ones (localhost, *.localhost,
   * 127.0.0.0/8, ::1) and `host`. Any other Host is answered 403 (DNS rebinding). Default none.
   */
  allowedHosts?: readonly string[]
  /**
   * Origins (scheme://host[:port]) accepted in the `Origin` header besides loopback ones (any scheme and port).
   * A request or upgrade with any other Origin is answered 403; one without Origin (Node, curl) is not checked.
   * Default none.
   */
  allowedOrigins?: readonly string[]
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
  allowedHosts: readonly string[]
  allowedOrigins: readonly string[]
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
  const host = options.host ?? '127.0.0.1'
  if (typeof host !== 'string' || host === '')
    throw new OptionsError(`host must be an address, got ${JSON.stringify(host)}`)
  if (!isLoopbackHost(host) && options.jwtSecret === undefined) {
    throw new OptionsError(
      `host ${host} is not a loopback address, and the default JWT secret (so the service_role key) is public: ` +
        'give your own secret (--jwt-secret / JWT_SECRET / jwtSecret, at least 32 characters) to listen on it',
    )
  }
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
  const limits: Limits =
    given === false
      ? { ...NO_LIMITS }
      : {
          ...SUPABASE_LIMITS,
          ...given,
          storedMessages: { ...SUPABASE_LIMITS.storedMessages, ...given?.storedMessages },
        }
  for (const key of [
    'maxChannelsPerClient',
    'maxJoinsPerSecond',
    'maxEventsPerSecond',
    'maxPayloadBytes',
    'maxConcurrentUsers',
    'maxPresenceEventsPerSecond',
    'maxTopicBytes',
    'maxConnections',
  ] as const) {
    count(`limits.${key}`, limits[key], 0)
  }
  count('limits.storedMessages.maxBytes', limits.storedMessages?.maxBytes, 0)
  count('limits.storedMessages.maxAgeMs', limits.storedMessages?.maxAgeMs, 0)
  const allowedHosts = names('allowedHosts', options.allowedHosts, (name) => {
    const lower = name.toLowerCase().replace(/^\[|\]$/g, '')
    if (lower === '' || /[/\s@]/.test(lower) || (/:\d+$/.test(name) && !lower.includes('::')))
      throw new OptionsError(
        `allowedHosts: ${JSON.stringify(name)} must be a host name or address without a port, such as devbox.test`,
      )
    return lower
  })
  const allowedOrigins = names('allowedOrigins', options.allowedOrigins, (origin) => {
    let url: URL | undefined
    try {
      url = new URL(origin)
    } catch {}
    if (!url || url.origin === 'null' || url.origin !== origin.replace(/\/$/, '').toLowerCase())
      throw new OptionsError(
        `allowedOrigins: ${JSON.stringify(origin)} must be an origin (scheme://host[:port], no path), such as http://devbox.test:5173`,
      )
    return url.origin
  })
  return {
    port,
    host,
    allowedHosts,
    allowedOrigins,
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

function names(option: string, value: unknown, check: (name: string) => string): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new OptionsError(`${option} must be an array of strings, got ${JSON.stringify(value)}`)
  return value.map(check)
}

/** Whether a host name or address (no port; IPv6 with or without brackets) is loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true
  if (/^::ffff:127\.\d+\.\d+\.\d+$/.test(h)) return true
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
}
