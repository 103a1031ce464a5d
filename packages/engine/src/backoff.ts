// Backoff as pure functions of (attempt, reason, random), random injected (tests pin it).
//
// Reconnect: full jitter, random × min(cap, base × 2^(attempt-1)), base 1 s, cap 30 s,
// unless the app passes realtime-js's `reconnectAfterMs(tries)`, which then decides.
// After a rate-limit close the first delay is at least RATE_LIMIT_FLOOR_MS.
// Rejoin: Phoenix's steps 1, 2, 5, 10 s (then 10 s), with the same rate-limit floor.

export type BackoffReason = 'normal' | 'rate-limited'

export const RECONNECT_BASE_MS = 1000
export const RECONNECT_CAP_MS = 30_000
export const RATE_LIMIT_FLOOR_MS = 10_000
export const REJOIN_STEPS_MS = [1000, 2000, 5000, 10_000] as const

export interface ReconnectPolicy {
  /** realtime-js's option: the delay before try number `tries` (1-based). */
  reconnectAfterMs?: (tries: number) => number
  baseMs?: number
  capMs?: number
}

/** The delay before reconnect attempt `attempt` (1-based). */
export function reconnectDelay(
  attempt: number,
  reason: BackoffReason,
  random: number,
  policy: ReconnectPolicy = {},
): number {
  let delay: number
  if (policy.reconnectAfterMs) {
    delay = policy.reconnectAfterMs(attempt)
    if (!Number.isFinite(delay) || delay < 0) delay = RECONNECT_BASE_MS
  } else {
    const base = policy.baseMs ?? RECONNECT_BASE_MS
    const cap = policy.capMs ?? RECONNECT_CAP_MS
    delay = Math.floor(random * Math.min(cap, base * 2 ** Math.min(30, attempt - 1)))
  }
  return reason === 'rate-limited' ? Math.max(delay, RATE_LIMIT_FLOOR_MS) : delay
}

/** The delay before rejoin attempt `attempt` (1-based). */
export function rejoinDelay(attempt: number, reason: BackoffReason): number {
  const step = REJOIN_STEPS_MS[Math.min(attempt, REJOIN_STEPS_MS.length) - 1] ?? REJOIN_STEPS_MS[0]
  return reason === 'rate-limited' ? Math.max(step, RATE_LIMIT_FLOOR_MS) : step
}
