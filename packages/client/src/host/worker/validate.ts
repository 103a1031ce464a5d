// Runs in the worker. Runtime checks of every command argument that reaches it (DESIGN.md
// rule 13), one per argument name of the COMMANDS table (../protocol.ts): ARGS, applied by
// checkArgs. A port carries whatever a tab (or a buggy build) posts: each value is checked
// before the engine sees it, and a bad one throws a RealtimeError('bad-request') naming the
// argument, which the worker turns into an error reply. Checks are strict where a bad value
// would reach other tabs (a channel's join config is shared: one tab's garbage must not
// break the join).

import {
  buildJoinPayload,
  type ChannelConfig,
  ELLIPSIS,
  GE,
  type PostgresChangesBinding,
} from '@shared-realtime/protocol'
import {
  DEFAULT_GUARD_LIMITS,
  type GuardLimits,
  guardLimits,
  MAX_DURABLE_TTL_MS,
  type SubscriptionSpec,
} from '@shared-realtime/engine'
import { RealtimeError } from '../../errors.ts'
import {
  type Args,
  COMMANDS,
  type Command,
  type EngineConfig,
  type SendOptions,
  TAB_PROTOCOL_VERSION,
  type TokenProviderFn,
} from '../protocol.ts'

const MAX_TIMER_MS = 2_147_483_647

function shown(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}${ELLIPSIS}` : value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return typeof value === 'object' ? 'an object' : typeof value
}

export function badRequest(arg: string, expected: string, got: unknown): RealtimeError {
  return new RealtimeError('bad-request', `${arg} must be ${expected}, got ${shown(got)}`)
}

function str(arg: string, value: unknown, max: number, min = 1): string {
  if (typeof value !== 'string' || value.length < min || value.length > max) {
    throw badRequest(arg, `a string of ${min} to ${max} characters`, value)
  }
  return value
}

function num(arg: string, value: unknown, min: number, max = MAX_TIMER_MS): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw badRequest(arg, `a number from ${min} to ${max}`, value)
  }
  return value
}

function optional<T>(value: unknown, check: (value: unknown) => T): T | undefined {
  return value === undefined ? undefined : check(value)
}

function bool(arg: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw badRequest(arg, 'true or false', value)
  return value
}

/** Stricter than the protocol package's isRecord: a Map, a Date or a typed array is no argument object. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

function record(arg: string, value: unknown): Record<string, unknown> {
  if (!isPlainObject(value)) throw badRequest(arg, 'a plain object', value)
  return value
}

export const checkSubId = (value: unknown): string => str('subId', value, 256)
export const checkTopic = (value: unknown): string => str('topic', value, 1024)
/** '' means "no lock": the tab's death is then seen only through its goodbye. */
export const checkLockName = (value: unknown): string => str('lockName', value, 256, 0)
export const checkTimeout = (value: unknown): number => num('timeoutMs', value, 1)
/** attach's `warm`; it may be absent (a tab of protocol 6 built before it, which sends a WarmMessage instead). */
export function checkWarm(value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value
  throw badRequest('warm', 'a boolean or absent', value)
}

export function checkProtocol(value: unknown): number {
  if (value !== TAB_PROTOCOL_VERSION) {
    const message = `the tab speaks protocol ${shown(value)}, this worker ${TAB_PROTOCOL_VERSION}`
    throw new RealtimeError('protocol-mismatch', message)
  }
  return value
}

export function checkConfig(value: unknown): EngineConfig {
  const c = record('config', value)
  const endPoint = str('config.endPoint', c.endPoint, 2048)
  let url: URL | undefined
  try {
    url = new URL(endPoint)
  } catch {
    url = undefined
  }
  if (!url || !['ws:', 'wss:', 'http:', 'https:'].includes(url.protocol))
    throw badRequest('config.endPoint', 'a ws:, wss:, http: or https: URL', endPoint)
  const p = record('config.params', c.params)
  const params: Record<string, string> = {}
  const entries = Object.entries(p)
  if (entries.length > 64) throw badRequest('config.params', 'at most 64 parameters', p)
  for (const [key, v] of entries) params[key] = str(`config.params.${key}`, v, 8192, 0)
  if (!params.apikey) throw badRequest('config.params.apikey', 'the project API key', p.apikey)
  if (c.vsn !== '1.0.0' && c.vsn !== '2.0.0') throw badRequest('config.vsn', "'1.0.0' or '2.0.0'", c.vsn)
  const config: EngineConfig = {
    endPoint,
    params,
    vsn: c.vsn,
    timeout: num('config.timeout', c.timeout, 1),
    heartbeatIntervalMs: num('config.heartbeatIntervalMs', c.heartbeatIntervalMs, 1),
    disconnectOnEmptyChannelsAfterMs: num(
      'config.disconnectOnEmptyChannelsAfterMs',
      c.disconnectOnEmptyChannelsAfterMs,
      0,
    ),
  }
  if (c.reconnectDelaysMs !== undefined) {
    const delays = c.reconnectDelaysMs
    if (!Array.isArray(delays) || delays.length > 100)
      throw badRequest('config.reconnectDelaysMs', 'an array of at most 100 delays', delays)
    config.reconnectDelaysMs = delays.map((d: unknown, i) => num(`config.reconnectDelaysMs[${i}]`, d, 0))
  }
  if (c.identity !== undefined) config.identity = str('config.identity', c.identity, 1024)
  if (c.guards !== undefined) config.guards = checkGuards(c.guards)
  return config
}

/** The socket's guards: known keys only, each a number ≥ 1 or Infinity (the engine checks wholeness itself). */
function checkGuards(value: unknown): Partial<GuardLimits> {
  const g = record('config.guards', value)
  const guards: Partial<GuardLimits> = {}
  for (const [key, v] of Object.entries(g)) {
    if (!Object.hasOwn(DEFAULT_GUARD_LIMITS, key))
      throw badRequest(`config.guards.${key}`, `one of ${Object.keys(DEFAULT_GUARD_LIMITS).join(', ')}`, key)
    if (typeof v !== 'number' || !(v >= 1)) throw badRequest(`config.guards.${key}`, `a number ${GE} 1 or Infinity`, v)
    guards[key as keyof GuardLimits] = v
  }
  try {
    guardLimits(guards, 'config.guards')
  } catch (error) {
    throw new RealtimeError('bad-request', error instanceof Error ? error.message : String(error))
  }
  return guards
}

const POSTGRES_EVENTS: ReadonlySet<unknown> = new Set(['*', 'INSERT', 'UPDATE', 'DELETE'])

function checkBinding(arg: string, value: unknown): PostgresChangesBinding {
  const b = record(arg, value)
  if (!POSTGRES_EVENTS.has(b.event)) throw badRequest(`${arg}.event`, "'*', 'INSERT', 'UPDATE' or 'DELETE'", b.event)
  str(`${arg}.schema`, b.schema, 256)
  optional(b.table, (t) => str(`${arg}.table`, t, 256))
  if (b.filter !== undefined && b.filter !== null) str(`${arg}.filter`, b.filter, 4096, 0)
  if (b.select !== undefined) {
    if (!Array.isArray(b.select)) throw badRequest(`${arg}.select`, 'an array of column names', b.select)
    b.select.forEach((col: unknown, i) => str(`${arg}.select[${i}]`, col, 256))
  }
  return b as PostgresChangesBinding
}

function checkChannelConfig(value: unknown): ChannelConfig {
  const c = record('spec.config', value)
  const broadcast = optional(c.broadcast, (b) => record('spec.config.broadcast', b))
  const presence = optional(c.presence, (p) => record('spec.config.presence', p))
  optional(c.private, (p) => bool('spec.config.private', p))
  optional(broadcast?.replay, (r) => record('spec.config.broadcast.replay', r))
  optional(presence?.key, (k) => str('spec.config.presence.key', k, 1024, 0))
  const options = optional(c.postgres_changes_options, (o) => record('spec.config.postgres_changes_options', o))
  optional(options?.wait, (w) => bool('spec.config.postgres_changes_options.wait', w))
  optional(options?.timeout, (t) => num('spec.config.postgres_changes_options.timeout', t, 0))
  return c as ChannelConfig
}

export function checkSpec(topic: string, value: unknown): SubscriptionSpec {
  const s = record('spec', value)
  const config = checkChannelConfig(s.config)
  if (!Array.isArray(s.postgres) || s.postgres.length > 100)
    throw badRequest('spec.postgres', 'an array of at most 100 bindings', s.postgres)
  const postgres = s.postgres.map((b: unknown, i) => checkBinding(`spec.postgres[${i}]`, b))
  const presence = bool('spec.presence', s.presence)
  try {
    // the join payload builder's own checks (booleans, replay, presence key), without sending
    buildJoinPayload({ topic, config, postgresChanges: postgres })
  } catch (error) {
    throw new RealtimeError('bad-request', `spec: ${error instanceof Error ? error.message : String(error)}`)
  }
  return { config, postgres, presence }
}

/** A broadcast push: `{ type: 'broadcast', event, payload? }`. */
export function checkBroadcast(value: unknown): Record<string, unknown> {
  const b = record('payload', value)
  if (b.type !== 'broadcast') throw badRequest('payload.type', "'broadcast'", b.type)
  str('payload.event', b.event, 1024)
  return b
}

/** A send's options: `{ durable?: boolean, ttlMs?: 1..30 days, id?: string }`, or undefined. */
export function checkSendOptions(value: unknown): SendOptions | undefined {
  if (value === undefined) return undefined
  const o = record('options', value)
  for (const key of Object.keys(o))
    if (key !== 'durable' && key !== 'ttlMs' && key !== 'id')
      throw badRequest(`options.${key}`, 'absent (durable, ttlMs and id only)', o[key])
  const options: SendOptions = {}
  const durable = optional(o.durable, (d) => bool('options.durable', d))
  const ttlMs = optional(o.ttlMs, (t) => num('options.ttlMs', t, 1, MAX_DURABLE_TTL_MS))
  const id = optional(o.id, (i) => str('options.id', i, 128))
  if (durable !== undefined) options.durable = durable
  if (ttlMs !== undefined) options.ttlMs = ttlMs
  if (id !== undefined) options.id = id
  return options
}

/** A presence payload: a plain object JSON can carry. */
export function checkPresence(value: unknown): Record<string, unknown> {
  const p = record('payload', value)
  try {
    JSON.stringify(p)
  } catch {
    throw badRequest('payload', 'an object JSON can carry', p)
  }
  return p
}

/** A compact JWT (header.payload.signature, base64url) or a Supabase API key (sb_…). */
const TOKEN_SHAPE = /^(?:[\w-]+\.[\w-]+\.[\w-]*|sb_[\w-]+)$/

/**
 * An access token, '' or null (both: ask the providers again). The token is the whole
 * engine's (every tab's channels get it), so one that cannot be a token is refused here
 * rather than breaking every tab's channels; its text is not echoed back.
 */
export function checkToken(value: unknown): string | null {
  if (value === null) return null
  const token = str('token', value, 65_536, 0)
  if (token !== '' && !TOKEN_SHAPE.test(token)) {
    throw new RealtimeError('bad-request', 'token must be a JWT (header.payload.signature) or an sb_ API key')
  }
  return token
}

/** A Comlink proxy of the tab's provider (a function-typed proxy), or null. */
export function checkProvider(value: unknown): TokenProviderFn | null {
  if (value === null) return null
  if (typeof value !== 'function') throw badRequest('provider', 'a proxied function or null', value)
  return value as TokenProviderFn
}

export function checkPort(value: unknown): MessagePort {
  if (typeof MessagePort === 'undefined' || !(value instanceof MessagePort))
    throw badRequest('eventsPort', 'a transferred MessagePort', value)
  return value
}

/**
 * The check of each argument name of the COMMANDS table; its result type is the argument's type
 * in TabApi. `earlier` holds the command's arguments before this one, checked (spec needs the topic).
 */
export const ARGS = {
  config: checkConfig,
  eventsPort: checkPort,
  lockName: checkLockName,
  protocol: checkProtocol,
  warm: checkWarm,
  subId: checkSubId,
  topic: checkTopic,
  spec: (value: unknown, earlier: Readonly<Record<string, unknown>>) => checkSpec(String(earlier.topic), value),
  broadcast: checkBroadcast,
  timeoutMs: checkTimeout,
  sendOptions: checkSendOptions,
  presence: checkPresence,
  token: checkToken,
  provider: checkProvider,
} satisfies Record<string, (value: unknown, earlier: Readonly<Record<string, unknown>>) => unknown>

/** A command's arguments, each checked by its name. @throws {RealtimeError} bad-request (attach: protocol-mismatch) */
export function checkArgs<K extends Command>(command: K, raw: readonly unknown[]): Args<K> {
  const names: readonly (keyof typeof ARGS)[] = COMMANDS[command].args
  // a tab of another build hears protocol-mismatch before its other arguments are read
  if (names.includes('protocol')) checkProtocol(raw[names.indexOf('protocol')])
  const checked: Record<string, unknown> = {}
  for (const [i, name] of names.entries()) checked[name] = ARGS[name](raw[i], checked)
  return names.map((name) => checked[name]) as Args<K>
}
