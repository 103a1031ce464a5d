// HeartbeatMonitor: the socket's heartbeat, as a pure transitionHeartbeat(state, event, ctx) →
// [next state, effects]. heartbeat-driver.ts runs it under the generic Driver (machines/driver.ts)
// for the socket driver (socket-driver.ts).
//
//   stopped ──start──▶ idle ──tick──▶ awaiting(ref, sentAt) ──reply(ref)──▶ idle
//      ▲                 ▲                    │ timeout
//      └──────stop───────┴────────────────────┴──▶ stopped (+ effect 'timed-out')
//
//   state \ event   start   stop      tick                 send-now          reply(ref)                timeout
//   stopped         idle    ·         ·                    (report only)     ·                         ·
//   idle            ·       stopped   awaiting             awaiting          ·                         ·
//   awaiting        ·       stopped   stopped† / ·         stopped†          idle (its ref) / ·        stopped†
//   (· = explicit no-op: [state, []]; † = timed out: report 'timeout' + effect 'timed-out')
//
// - start (socket opened): start the 'interval' timer (intervalMs); state idle.
// - tick (interval timer fired) in idle: effect send(ctx.ref); report 'sent'; start 'timeout' timer
//   (timeoutMs); state awaiting { ref: ctx.ref, sentAt: now }.
// - tick while awaiting (only if timeoutMs > intervalMs): same as timeout. With timeoutMs ≤ intervalMs
//   such a tick is a stale or late interval timer and a no-op: the 'timeout' timer decides.
// - reply with the awaited ref: cancel 'timeout'; report 'ok' (status "ok") or 'error' (any other
//   status) with rttMs = now - sentAt; start 'interval'; state idle. A reply with another ref: no-op.
// - timeout while awaiting: report 'timeout'; effect 'timed-out' (the socket driver closes the socket and
//   reconnects); state stopped, timers cancelled.
// - stop (socket closed) from any state but stopped: cancel both timers; report 'disconnected'; stopped.
// - send-now (realtime-js's sendHeartbeat()): in idle like tick, and (decision) it also cancels the
//   'interval' timer: the next heartbeat is scheduled by the reply, as after a tick; while awaiting
//   like timeout (as Phoenix: a heartbeat asked for while one is pending means the link is dead);
//   while stopped: report 'disconnected' only.
//
// Timers: 'interval' runs in idle, 'timeout' in awaiting. Every move to stopped cancels both
// (whatever the driver's timers are, nothing keeps ticking after a stop). Effect order: cancel-timer,
// send, report, start-timer, timed-out. The Driver: start-timer replaces a running timer of the
// same name; cancel-timer of a timer that is not running is a no-op; after 'timed-out' the
// driver's later `stop` (socket closed) is a no-op, so 'disconnected' is not reported twice.

export type HeartbeatStatus = 'sent' | 'ok' | 'error' | 'timeout' | 'disconnected'

export type HeartbeatState = { name: 'stopped' } | { name: 'idle' } | { name: 'awaiting'; ref: string; sentAt: number }

export type HeartbeatEvent =
  | { type: 'start' }
  | { type: 'stop' }
  | { type: 'tick' }
  | { type: 'send-now' }
  | { type: 'reply'; ref: string; status: string }
  | { type: 'timeout' }

export type HeartbeatTimer = 'interval' | 'timeout'

/** The event each timer sends when it fires (the Driver's `timers.fired`). */
export const heartbeatTimerEvent = (timer: HeartbeatTimer): HeartbeatEvent => ({
  type: timer === 'interval' ? 'tick' : 'timeout',
})

export type HeartbeatEffect =
  | { type: 'send'; ref: string }
  | { type: 'start-timer'; timer: HeartbeatTimer; ms: number }
  | { type: 'cancel-timer'; timer: HeartbeatTimer }
  | { type: 'report'; status: HeartbeatStatus; rttMs?: number }
  | { type: 'timed-out' }

export interface HeartbeatContext {
  now: number
  /** A fresh ref, used if this transition sends a heartbeat. */
  ref: string
  intervalMs: number
  timeoutMs: number
}

export const TERMINAL_HEARTBEAT_STATES = ['stopped'] as const satisfies ReadonlyArray<HeartbeatState['name']>

export type TerminalHeartbeatState = Extract<HeartbeatState, { name: (typeof TERMINAL_HEARTBEAT_STATES)[number] }>

export const initialHeartbeatState: HeartbeatState = { name: 'stopped' }

type Result = [HeartbeatState, HeartbeatEffect[]]

const CANCEL_BOTH: HeartbeatEffect[] = [
  { type: 'cancel-timer', timer: 'interval' },
  { type: 'cancel-timer', timer: 'timeout' },
]

const ignore = (state: HeartbeatState): Result => [state, []]

export function transitionHeartbeat(state: HeartbeatState, event: HeartbeatEvent, ctx: HeartbeatContext): Result {
  switch (event.type) {
    case 'start':
      return state.name === 'stopped'
        ? [{ name: 'idle' }, [{ type: 'start-timer', timer: 'interval', ms: ctx.intervalMs }]]
        : ignore(state)
    case 'stop':
      return state.name === 'stopped'
        ? ignore(state)
        : [{ name: 'stopped' }, [...CANCEL_BOTH, { type: 'report', status: 'disconnected' }]]
    case 'tick':
      if (state.name === 'idle') return send(ctx, [])
      return state.name === 'awaiting' && ctx.timeoutMs > ctx.intervalMs ? timedOut() : ignore(state)
    case 'send-now':
      if (state.name === 'idle') return send(ctx, [{ type: 'cancel-timer', timer: 'interval' }])
      if (state.name === 'awaiting') return timedOut()
      return [state, [{ type: 'report', status: 'disconnected' }]]
    case 'reply':
      if (state.name !== 'awaiting' || event.ref !== state.ref) return ignore(state)
      return [
        { name: 'idle' },
        [
          { type: 'cancel-timer', timer: 'timeout' },
          { type: 'report', status: event.status === 'ok' ? 'ok' : 'error', rttMs: ctx.now - state.sentAt },
          { type: 'start-timer', timer: 'interval', ms: ctx.intervalMs },
        ],
      ]
    case 'timeout':
      return state.name === 'awaiting' ? timedOut() : ignore(state)
    default: {
      const unknown: never = event
      void unknown
      return ignore(state)
    }
  }
}

function send(ctx: HeartbeatContext, cancel: HeartbeatEffect[]): Result {
  return [
    { name: 'awaiting', ref: ctx.ref, sentAt: ctx.now },
    [
      ...cancel,
      { type: 'send', ref: ctx.ref },
      { type: 'report', status: 'sent' },
      { type: 'start-timer', timer: 'timeout', ms: ctx.timeoutMs },
    ],
  ]
}

function timedOut(): Result {
  return [{ name: 'stopped' }, [...CANCEL_BOTH, { type: 'report', status: 'timeout' }, { type: 'timed-out' }]]
}
