// ChannelMachine: the states of one server channel (one topic on the one socket), shared by every
// tab subscribed to it, and its pure transition: transitionChannel(state, event, ctx) → [next state,
// effects]. channel-driver.ts runs it under the generic Driver (machines/driver.ts): the state is
// committed, then the effects run in order. channel-states.ts has one function per state: the rows below.
//
//  closed/failed ─subscribe─▶ joining(n, null) ─ready─▶ joining(n, ref) ─join-ok─▶ joined(ref)
//   ▲    ▲                      ▲    ▲                     │    │    ▲                 │
//   │    │                      │    └──── socket-down ────┘    │    └──── rejoin ─────┤
//   │    │                      └──── socket-down, server-close (token) ───────────────┤
//   │    └──── join-error (never; new-token twice) ─────────────┤                      │
//   │                                join-error, join-timeout   ▼                      │
//   │                         ready, retry-due ◀── errored(n, retryAt) ◀─ server-error ┤
//   │                         → joining(n+1, ref)                                      │
//   └── leave-ok, leave-timeout, socket-down ── leaving ◀──────────── unsubscribe ─────┘
//       (then `subscribe` again if thenJoin)       ▲
//                                                  └─ unsubscribe ── joining(n, ref)
//   subscribe goes straight to joining(1, ref) when ctx.ready. Also → closed: unsubscribe in
//   joining(n, null) / errored / failed, and server-close for any shutdown but a token one.
//
// state             event                     next                               effects, in this order
// ───────────────── ───────────────────────── ────────────────────────────────── ──────────────────────────────────────
// closed, failed    subscribe                 joining(1, ref), or (1, null)      J if ctx.ready
// failed            unsubscribe               closed                             emit CLOSED
// joining(n, null)  ready                     joining(n, ref)                    J
//                   unsubscribe               closed                             emit CLOSED
// joining(n, jr)    join-ok jr                joined(jr)                         ✕join-timeout, emit SUBSCRIBED, joined,
//                                                                                  resubscribed if joinedBefore
//                   join-error jr             see Refusals                       ✕join-timeout, emit CHANNEL_ERROR, …
//                   join-timeout              errored(n, now+step(n), timeout)   emit TIMED_OUT, send-leave(jr, ref), ▶retry
//                   socket-down               joining(n, null)                   ✕join-timeout
//                   unsubscribe               leaving(jr, ref, false)            ✕join-timeout, L
// joined(jr)        socket-down               joining(1, null), joinedBefore     left, emit CHANNEL_ERROR {socket}
//                   server-error jr           errored(1, now+step(1))            left, emit CHANNEL_ERROR
//                                                                                  {server-error}, ▶retry
//                   server-close jr, token-*  joining(1, null), tokenRetried     left, emit CHANNEL_ERROR {closed}*,
//                                                                                  refresh-token
//                   server-close jr, other    closed                             left, emit CLOSED
//                   rejoin                    joining(1, ref or null)*, joinedBefore  left, J if ctx.ready
//                   unsubscribe               leaving(jr, ref, false)            left, L
// leaving(jr, r, t) subscribe / unsubscribe*  thenJoin true / false              —
//                   leave-ok r, socket-down*  closed, then subscribe if t        ✕leave-timeout, emit CLOSED, (J)
//                   leave-timeout             closed, then subscribe if t        emit CLOSED, (J)
// errored(n, at)    retry-due, at ≠ null*     joining(n+1, ref) if ctx.ready,    J
//                                             else errored(n, null)
//                   ready, at = null          joining(n+1, ref)                  J
//                   socket-down, at ≠ null    errored(n, null)                   ✕retry
//                   unsubscribe               closed                             ✕retry if at ≠ null, emit CLOSED
// Every other pair, and a ref or joinRef that is not the current one: explicit no-op, [state, []].
// Terminal (TERMINAL_CHANNEL_STATES): closed and failed; nothing happens in them until a subscribe.
// J = send-join(ctx.ref), ▶join-timeout(ctx.joinTimeoutMs ?? ctx.timeoutMs). L = send-leave(jr, ctx.ref), ▶leave-timeout(ctx.timeoutMs).
// `joined` / `left`: the channel enters / leaves joined (every transition out of joined starts with `left`);
// the presence of this browser on the channel (channel-presence.ts) follows these two effects alone.
// ▶t / ✕t = start-timer / cancel-timer t. step(n) = rejoinDelay(n, 'normal'): 1, 2, 5, 10, 10… s. ctx.ref
// is fresh for each transition (used at most once). `ready` (socket open, token settled) is itself the
// signal; ctx.ready is read for the other events. CLOSED and TIMED_OUT never carry an error.
//
// Refusals, r = parseJoinErrorReason(reason); each emits CHANNEL_ERROR {refused, r} (realtime-js calls back on each):
//   r.retry 'never', or 'new-token' when tokenRetried → failed({refused, r})
//   'new-token', first time                           → errored(n, null, tokenRetried) + refresh-token
//                                                       (the engine sends `ready` once the token settles)
//   'rate-limited' / 'later'                          → errored(n, now + rejoinDelay(n, reason)) + ▶retry
//
// Timers: join-timeout runs exactly in joining(n, ref), retry in errored(n, at ≠ null), leave-timeout in
// leaving; leaving such a state cancels its timer unless the event is that timer firing. joinedBefore
// (join-ok then also emits `resubscribed`) is set when a joined channel drops back, kept until closed or
// failed. tokenRetried is set by a token refresh, kept until join-ok; `joined` carries neither, as its
// join-ok proved the token good: a later token shutdown gets its own refresh, and a refreshed token
// refused again fails through join-error. A rejoin is a duplicate join: the server answers it, then
// closes the old join_ref (the router drops that phx_close). In joining/errored the next join carries
// the new payload. socket-down keeps n in joining/errored (the backoff survives a flapping socket).
// * decided here beyond the first contract: leaving ends on socket-down (the server drops a dead socket's
//   channels); unsubscribe while leaving cancels a pending thenJoin; a token shutdown reports
//   CHANNEL_ERROR before its rejoin; rejoin while not ready waits for `ready`; a stale retry-due is a no-op.

import type { ServerReason, ShutdownKind } from '@shared-realtime/protocol'
import { fromErrored, fromJoined, fromJoining, fromLeaving, fromTerminal, fromWaiting } from './channel-states.ts'

export type ChannelError =
  | { kind: 'refused'; reason: ServerReason }
  | { kind: 'timeout' }
  | { kind: 'socket' }
  | { kind: 'server-error' }
  | { kind: 'closed'; shutdown: ShutdownKind; message: string }

export type SubscribeStatus = 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR'

export type ChannelState =
  | { name: 'closed' }
  | { name: 'joining'; attempt: number; joinRef: string | null; joinedBefore: boolean; tokenRetried: boolean }
  | { name: 'joined'; joinRef: string }
  | { name: 'leaving'; joinRef: string; ref: string; thenJoin: boolean }
  | {
      name: 'errored'
      attempt: number
      retryAt: number | null
      error: ChannelError
      joinedBefore: boolean
      tokenRetried: boolean
    }
  | { name: 'failed'; error: ChannelError }

export type ChannelEvent =
  | { type: 'subscribe' }
  | { type: 'unsubscribe' }
  | { type: 'ready' }
  | { type: 'socket-down' }
  | { type: 'join-ok'; ref: string }
  | { type: 'join-error'; ref: string; reason: string }
  | { type: 'join-timeout' }
  | { type: 'retry-due' }
  | { type: 'leave-ok'; ref: string }
  | { type: 'leave-timeout' }
  | { type: 'server-error'; joinRef: string }
  | { type: 'server-close'; joinRef: string; shutdown: ShutdownKind; message: string }
  | { type: 'rejoin' }

export type ChannelTimer = 'join-timeout' | 'retry' | 'leave-timeout'

/** The event each timer sends when it fires (the Driver's `timers.fired`). */
export const channelTimerEvent = (timer: ChannelTimer): ChannelEvent => ({
  type: timer === 'retry' ? 'retry-due' : timer,
})

export type ChannelEffect =
  | { type: 'send-join'; joinRef: string }
  | { type: 'send-leave'; joinRef: string; ref: string }
  | { type: 'start-timer'; timer: ChannelTimer; ms: number }
  | { type: 'cancel-timer'; timer: ChannelTimer }
  | { type: 'emit'; status: SubscribeStatus; error?: ChannelError }
  | { type: 'joined' }
  | { type: 'left' }
  | { type: 'resubscribed' }
  | { type: 'refresh-token' }

export interface ChannelContext {
  now: number
  ref: string
  ready: boolean
  /** Join and leave reply timeout (realtime-js `timeout`, 10 s). */
  timeoutMs: number
  /**
   * The join's own timeout when longer than `timeoutMs`: realtime-js 2.113's rule for a join that asks the server to
   * wait for its postgres_changes subscription (`postgres_changes_options.wait`). Default `timeoutMs`.
   */
  joinTimeoutMs?: number
}

export const initialChannelState: ChannelState = { name: 'closed' }

export const TERMINAL_CHANNEL_STATES = ['closed', 'failed'] as const satisfies ReadonlyArray<ChannelState['name']>
export type TerminalChannelState = Extract<ChannelState, { name: (typeof TERMINAL_CHANNEL_STATES)[number] }>

export type ChannelResult = [ChannelState, ChannelEffect[]]
export type JoiningChannel = Extract<ChannelState, { name: 'joining' }>
export type JoinedChannel = Extract<ChannelState, { name: 'joined' }>
export type LeavingChannel = Extract<ChannelState, { name: 'leaving' }>
export type ErroredChannel = Extract<ChannelState, { name: 'errored' }>

export function transitionChannel(state: ChannelState, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  switch (state.name) {
    case 'closed':
    case 'failed':
      return fromTerminal(state, event, ctx)
    case 'joining':
      return state.joinRef === null ? fromWaiting(state, event, ctx) : fromJoining(state, state.joinRef, event, ctx)
    case 'joined':
      return fromJoined(state, event, ctx)
    case 'leaving':
      return fromLeaving(state, event, ctx)
    case 'errored':
      return fromErrored(state, event, ctx)
  }
}
