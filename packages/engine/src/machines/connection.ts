// ConnectionMachine: the socket's life, one connect at a time, ever, as a pure
// transitionConnection(state, event, ctx) → [next state, effects]. socket-driver.ts runs it under the
// generic Driver (machines/driver.ts), which commits the state, then runs the effects in order.
//
//   disconnected ──connect──▶ connecting(1) ──opened──▶ connected
//        ▲                        │  ▲                     │ closed / heartbeat-timeout
//        │ disconnect             │  │ retry-due           ▼
//        │ (any state)            │  └──────────── reconnecting(n, retryAt, lastError)
//        │                        │ refused 401/403/404
//        │                        ▼
//        └──────connect─────── failed(error)     (`connect` from failed starts over at attempt 1)
//
//   state \ event   connect        disconnect     opened       closed · transport-error · refused   heartbeat-timeout  retry-due       channels     idle-due
//   disconnected    connecting(1)  ·              ·            ·                                    ·                  ·               ·            ·
//   connecting(n)   ·              disconnected   connected*   reconnecting(n+1) / failed (fatal)   ·                  ·               ·            ·
//   connected       ·              disconnected   ·            reconnecting(1)   / failed (fatal)   reconnecting(1)    ·               idle timer*  disconnected*
//   reconnecting(n) ·              disconnected   ·            ·                                    ·                  connecting(n)   ·            ·
//   failed          connecting(1)  disconnected   ·            ·                                    ·                  ·               ·            ·
//   (· = explicit no-op: [state, []]; fatal = refused 401/403/404; * = see "Deferred disconnect")
//
// - `connect` while connecting/connected/reconnecting: no-op (one connect at a time). From
//   disconnected/failed: effect open.
// - `closed`, `transport-error` or `refused` (other than 401/403/404) while connecting/connected →
//   reconnecting(n) where n counts the consecutive failures (connecting(n) → reconnecting(n); from
//   connected: 1), retryAt = now + d, effect
//   start-timer('retry', d), d = reconnectDelay(attempt, reason, random, policy); reason
//   'rate-limited' when the close code is 1001 or the refusal status 429, else 'normal'.
//   retry-due → connecting(n+1). So a failed first connect and a dropped connection both wait
//   reconnectDelay(1) first, as realtime-js's reconnectAfterMs(tries) with tries = 1.
// - `refused` 401/403/404 while connecting/connected → failed (the same upgrade will be refused again).
// - Decision: `refused` and `transport-error` also emit close (1000, 'refused' / 'transport error'):
//   the transport may still hold a half-open socket (Node ws leaves the request to the listener of
//   'unexpected-response'). `closed` emits none: the transport has closed it already.
// - `heartbeat-timeout` while connected → effect close(1000, 'heartbeat timeout'), then reconnecting(1).
// - `disconnect` from any state → disconnected; close the socket if one exists (1000, 'disconnect');
//   cancel the timer that may run ('retry' in reconnecting, 'idle' in connected). From disconnected: no-op.
// - Deferred disconnect: when connected and ctx.channelCount === 0 (after `opened` or a `channels`
//   event), start the 'idle' timer (ctx.idleAfterMs; ≤ 0 = at once: close(1000, 'idle') now and
//   disconnected); `channels` with count > 0 cancels it; `idle-due` → close(1000, 'idle') and
//   disconnected (decision: an `idle-due` that finds channels wanted again is a stale timer: no-op).
//   While disconnected, nothing starts by itself (`channels` is a no-op outside connected).
// - Leaving connected always cancels 'idle' (the state does not record whether it runs).
// - Events that make no sense in a state are explicit no-ops ([state, []]).
//
// Effect order: socket effects (open/close), then cancel-timer, then start-timer.
// The Driver's timers: start-timer replaces a running timer of the same name; cancel-timer of a
// timer that is not running is a no-op. socket-driver.ts: close with no socket is a no-op, and
// events from a socket other than the current one (a late `closed` of the socket closed for a
// heartbeat timeout) are dropped there: the machine cannot tell sockets apart.

import { reconnectDelay, type BackoffReason, type ReconnectPolicy } from '../backoff.ts'

export type ConnectionError =
  | { kind: 'refused'; status: number }
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'heartbeat-timeout' }
  | { kind: 'transport-error'; message: string }

export type ConnectionState =
  | { name: 'disconnected' }
  | { name: 'connecting'; attempt: number }
  | { name: 'connected' }
  | { name: 'reconnecting'; attempt: number; retryAt: number; lastError: ConnectionError }
  | { name: 'failed'; error: ConnectionError }

export type ConnectionEvent =
  | { type: 'connect' }
  | { type: 'disconnect' }
  | { type: 'opened' }
  | { type: 'closed'; code: number; reason: string }
  /** The upgrade was answered with an HTTP status (only transports that can tell report it). */
  | { type: 'refused'; status: number }
  /** The transport could not even be created (e.g. a bad URL); treated like a close. */
  | { type: 'transport-error'; message: string }
  | { type: 'heartbeat-timeout' }
  | { type: 'retry-due' }
  | { type: 'channels' }
  | { type: 'idle-due' }

export type ConnectionTimer = 'retry' | 'idle'

/** The event each timer sends when it fires (the Driver's `timers.fired`). */
export const connectionTimerEvent = (timer: ConnectionTimer): ConnectionEvent => ({
  type: timer === 'retry' ? 'retry-due' : 'idle-due',
})

export type ConnectionEffect =
  | { type: 'open' }
  | { type: 'close'; code: number; reason: string }
  | { type: 'start-timer'; timer: ConnectionTimer; ms: number }
  | { type: 'cancel-timer'; timer: ConnectionTimer }

export interface ConnectionContext {
  now: number
  /** In [0, 1): the jitter source, injected. */
  random: number
  /** Server channels currently wanted by any session. */
  channelCount: number
  /** disconnectOnEmptyChannelsAfterMs (realtime-js default 2 × heartbeat interval = 50 s). */
  idleAfterMs: number
  policy: ReconnectPolicy
}

export const TERMINAL_CONNECTION_STATES = ['disconnected', 'failed'] as const satisfies ReadonlyArray<
  ConnectionState['name']
>

export type TerminalConnectionState = Extract<ConnectionState, { name: (typeof TERMINAL_CONNECTION_STATES)[number] }>

export const initialConnectionState: ConnectionState = { name: 'disconnected' }

/** Upgrade refusals that a retry cannot change. */
export const FATAL_REFUSAL_STATUSES: ReadonlySet<number> = new Set([401, 403, 404])

/** Close code (1001 "going away") and upgrade status (429) that mean "slow down". */
export const RATE_LIMIT_CLOSE_CODE = 1001
export const RATE_LIMIT_STATUS = 429

type Result = [ConnectionState, ConnectionEffect[]]

const isRateLimit = (error: ConnectionError): boolean =>
  (error.kind === 'closed' && error.code === RATE_LIMIT_CLOSE_CODE) ||
  (error.kind === 'refused' && error.status === RATE_LIMIT_STATUS)

const ignore = (state: ConnectionState): Result => [state, []]
const close = (reason: string): ConnectionEffect => ({ type: 'close', code: 1000, reason })
const cancelIdle: ConnectionEffect = { type: 'cancel-timer', timer: 'idle' }

export function transitionConnection(state: ConnectionState, event: ConnectionEvent, ctx: ConnectionContext): Result {
  switch (event.type) {
    case 'connect':
      if (state.name === 'disconnected' || state.name === 'failed')
        return [{ name: 'connecting', attempt: 1 }, [{ type: 'open' }]]
      // waiting out a backoff: try now (as realtime-js's connect() does; a tab calls it when the
      // network comes back), unless the server asked us to slow down
      if (state.name === 'reconnecting' && !isRateLimit(state.lastError)) {
        return [
          { name: 'connecting', attempt: state.attempt + 1 },
          [{ type: 'cancel-timer', timer: 'retry' }, { type: 'open' }],
        ]
      }
      return ignore(state)
    case 'disconnect':
      return disconnect(state)
    case 'opened':
      if (state.name !== 'connecting') return ignore(state)
      return ctx.channelCount === 0 ? idle(ctx) : [{ name: 'connected' }, []]
    case 'closed': {
      const reason: BackoffReason = event.code === RATE_LIMIT_CLOSE_CODE ? 'rate-limited' : 'normal'
      return lost(state, { kind: 'closed', code: event.code, reason: event.reason }, reason, [], ctx)
    }
    case 'refused': {
      const error: ConnectionError = { kind: 'refused', status: event.status }
      if (FATAL_REFUSAL_STATUSES.has(event.status) && (state.name === 'connecting' || state.name === 'connected')) {
        return [
          { name: 'failed', error },
          state.name === 'connected' ? [close('refused'), cancelIdle] : [close('refused')],
        ]
      }
      const reason: BackoffReason = event.status === RATE_LIMIT_STATUS ? 'rate-limited' : 'normal'
      return lost(state, error, reason, [close('refused')], ctx)
    }
    case 'transport-error':
      return lost(state, { kind: 'transport-error', message: event.message }, 'normal', [close('transport error')], ctx)
    case 'heartbeat-timeout':
      if (state.name !== 'connected') return ignore(state)
      return lost(state, { kind: 'heartbeat-timeout' }, 'normal', [close('heartbeat timeout')], ctx)
    case 'retry-due':
      return state.name === 'reconnecting'
        ? [{ name: 'connecting', attempt: state.attempt + 1 }, [{ type: 'open' }]]
        : ignore(state)
    case 'channels':
      if (state.name !== 'connected') return ignore(state)
      return ctx.channelCount === 0 ? idle(ctx) : [state, [cancelIdle]]
    case 'idle-due':
      if (state.name !== 'connected' || ctx.channelCount > 0) return ignore(state)
      return [{ name: 'disconnected' }, [close('idle')]]
    default: {
      const unknown: never = event
      void unknown
      return ignore(state)
    }
  }
}

function disconnect(state: ConnectionState): Result {
  const disconnected: ConnectionState = { name: 'disconnected' }
  switch (state.name) {
    case 'disconnected':
      return ignore(state)
    case 'connecting':
      return [disconnected, [close('disconnect')]]
    case 'connected':
      return [disconnected, [close('disconnect'), cancelIdle]]
    case 'reconnecting':
      return [disconnected, [{ type: 'cancel-timer', timer: 'retry' }]]
    case 'failed':
      return [disconnected, []]
  }
}

/** Connected with no channel wanted: start the idle timer, or close at once when it is 0. */
function idle(ctx: ConnectionContext): Result {
  if (ctx.idleAfterMs <= 0) return [{ name: 'disconnected' }, [close('idle')]]
  return [{ name: 'connected' }, [{ type: 'start-timer', timer: 'idle', ms: ctx.idleAfterMs }]]
}

/** The live socket is gone (or going): schedule the next try. No-op outside connecting/connected. */
function lost(
  state: ConnectionState,
  lastError: ConnectionError,
  reason: BackoffReason,
  socket: ConnectionEffect[],
  ctx: ConnectionContext,
): Result {
  if (state.name !== 'connecting' && state.name !== 'connected') return ignore(state)
  const attempt = state.name === 'connecting' ? state.attempt : 1
  const ms = reconnectDelay(attempt, reason, ctx.random, ctx.policy)
  const timers: ConnectionEffect[] = state.name === 'connected' ? [cancelIdle] : []
  return [
    { name: 'reconnecting', attempt, retryAt: ctx.now + ms, lastError },
    [...socket, ...timers, { type: 'start-timer', timer: 'retry', ms }],
  ]
}
