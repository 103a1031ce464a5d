// The guards' limits and their check, apart from the guards themselves (guards.ts): a tab checks a client's
// `guards` option when the client is built, and this module is all it loads for that (decision 77: a module the
// tab and the lazily loaded in-page engine share lands whole in the tab's bundle).

import { GE } from '@shared-realtime/protocol'

/** The limits the guards keep to; EngineOptions gives them (engine-options.ts has the defaults). */
export interface GuardLimits {
  maxPayloadBytes: number
  joinsPerSecond: number
  joinBurst: number
  sendsPerSecond: number
  sendBurst: number
  maxChannels: number
}

/** Defaults: the server's limits (PROTOCOL.md §3.7) with room to spare. */
export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  // max_payload_size_in_kb 3000 (the WebSocket frame limit, 5 000 000, is larger): the smaller one
  maxPayloadBytes: 3_000_000,
  // max_joins_per_second 100 per tenant: half of it, so other sockets of the project keep room
  joinsPerSecond: 50,
  joinBurst: 10,
  // max_events_per_second 100 per tenant (5-second average, deliveries count too): half of it
  sendsPerSecond: 50,
  sendBurst: 50,
  // max_channels_per_client 100
  maxChannels: 100,
}

/** The guard limits of `options`, defaults filled in. @throws {RangeError} naming a bad option */
/** `options` over the defaults. @throws {RangeError} naming `${where}.<key>` for a value that is no limit */
export function guardLimits(options: Partial<GuardLimits>, where = 'EngineOptions'): GuardLimits {
  const limits = { ...DEFAULT_GUARD_LIMITS }
  for (const key of Object.keys(DEFAULT_GUARD_LIMITS) as (keyof GuardLimits)[]) {
    const value = options[key]
    if (value === undefined) continue
    const whole = key === 'joinsPerSecond' || key === 'sendsPerSecond' || Number.isInteger(value)
    if (typeof value !== 'number' || !(value >= 1) || (!whole && value !== Number.POSITIVE_INFINITY))
      throw new RangeError(
        `${where}.${key} must be ${key.endsWith('PerSecond') ? 'a number' : 'an integer'} ${GE} 1 (or Infinity), got ${String(value)}`,
      )
    limits[key] = value
  }
  return limits
}
