// ChannelMachine, state by state: one function per state holding that state's rows of the table in
// channel.ts, each switch naming every event (the no-ops explicitly, so a new event will not compile
// until every state decides), then the steps several rows share. Pure; transitionChannel picks the function.

import { parseJoinErrorReason } from '@shared-realtime/protocol'
import { rejoinDelay } from '../backoff.ts'
import type {
  ChannelContext,
  ChannelEffect,
  ChannelError,
  ChannelEvent,
  ChannelResult,
  ChannelState,
  ChannelTimer,
  ErroredChannel,
  JoinedChannel,
  JoiningChannel,
  LeavingChannel,
  SubscribeStatus,
  TerminalChannelState,
} from './channel.ts'

export function fromTerminal(s: TerminalChannelState, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  switch (event.type) {
    case 'subscribe':
      return join(1, false, false, ctx)
    case 'unsubscribe':
      return s.name === 'failed' ? [CLOSED, [emit('CLOSED')]] : [s, []]
    case 'ready':
    case 'socket-down':
    case 'join-ok':
    case 'join-error':
    case 'join-timeout':
    case 'retry-due':
    case 'leave-ok':
    case 'leave-timeout':
    case 'server-error':
    case 'server-close':
    case 'rejoin':
      return [s, []]
  }
}

/** joining(n, null): the join waits for `ready`. */
export function fromWaiting(s: JoiningChannel, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  switch (event.type) {
    case 'ready':
      return sendJoin(s.attempt, s.joinedBefore, s.tokenRetried, ctx)
    case 'unsubscribe':
      return [CLOSED, [emit('CLOSED')]]
    case 'subscribe':
    case 'socket-down':
    case 'join-ok':
    case 'join-error':
    case 'join-timeout':
    case 'retry-due':
    case 'leave-ok':
    case 'leave-timeout':
    case 'server-error':
    case 'server-close':
    case 'rejoin':
      return [s, []]
  }
}

export function fromJoining(
  s: JoiningChannel,
  joinRef: string,
  event: ChannelEvent,
  ctx: ChannelContext,
): ChannelResult {
  switch (event.type) {
    case 'join-ok': {
      if (event.ref !== joinRef) return [s, []]
      const effects: ChannelEffect[] = [cancel('join-timeout'), emit('SUBSCRIBED'), { type: 'joined' }]
      return [{ name: 'joined', joinRef }, s.joinedBefore ? [...effects, { type: 'resubscribed' }] : effects]
    }
    case 'join-error':
      return event.ref === joinRef ? refused(s, event.reason, ctx) : [s, []]
    case 'join-timeout': {
      const ms = rejoinDelay(s.attempt, 'normal')
      const { attempt, joinedBefore, tokenRetried } = s
      return [
        { name: 'errored', attempt, retryAt: ctx.now + ms, error: { kind: 'timeout' }, joinedBefore, tokenRetried },
        [emit('TIMED_OUT'), { type: 'send-leave', joinRef, ref: ctx.ref }, start('retry', ms)],
      ]
    }
    case 'socket-down':
      return [{ ...s, joinRef: null }, [cancel('join-timeout')]]
    case 'unsubscribe':
      return leave(joinRef, ctx, [cancel('join-timeout')])
    case 'subscribe':
    case 'ready':
    case 'retry-due':
    case 'leave-ok':
    case 'leave-timeout':
    case 'server-error':
    case 'server-close':
    case 'rejoin':
      return [s, []]
  }
}

export function fromJoined(s: JoinedChannel, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  switch (event.type) {
    case 'socket-down':
      return [
        { name: 'joining', attempt: 1, joinRef: null, joinedBefore: true, tokenRetried: false },
        [LEFT, emit('CHANNEL_ERROR', { kind: 'socket' })],
      ]
    case 'server-error': {
      if (event.joinRef !== s.joinRef) return [s, []]
      const ms = rejoinDelay(1, 'normal')
      return [
        {
          name: 'errored',
          attempt: 1,
          retryAt: ctx.now + ms,
          error: { kind: 'server-error' },
          joinedBefore: true,
          tokenRetried: false,
        },
        [LEFT, emit('CHANNEL_ERROR', { kind: 'server-error' }), start('retry', ms)],
      ]
    }
    case 'server-close': {
      if (event.joinRef !== s.joinRef) return [s, []]
      const { shutdown, message } = event
      if (shutdown !== 'token-expired' && shutdown !== 'token-invalid') return [CLOSED, [LEFT, emit('CLOSED')]]
      return [
        { name: 'joining', attempt: 1, joinRef: null, joinedBefore: true, tokenRetried: true },
        [LEFT, emit('CHANNEL_ERROR', { kind: 'closed', shutdown, message }), { type: 'refresh-token' }],
      ]
    }
    case 'rejoin':
      return join(1, true, false, ctx, [LEFT])
    case 'unsubscribe':
      return leave(s.joinRef, ctx, [LEFT])
    case 'subscribe':
    case 'ready':
    case 'join-ok':
    case 'join-error':
    case 'join-timeout':
    case 'retry-due':
    case 'leave-ok':
    case 'leave-timeout':
      return [s, []]
  }
}

export function fromLeaving(s: LeavingChannel, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  switch (event.type) {
    case 'subscribe':
      return s.thenJoin ? [s, []] : [{ ...s, thenJoin: true }, []]
    case 'unsubscribe':
      return s.thenJoin ? [{ ...s, thenJoin: false }, []] : [s, []]
    case 'leave-ok':
      return event.ref === s.ref ? endLeave(s, ctx, [cancel('leave-timeout')]) : [s, []]
    case 'socket-down':
      return endLeave(s, ctx, [cancel('leave-timeout')])
    case 'leave-timeout':
      return endLeave(s, ctx, [])
    case 'ready':
    case 'join-ok':
    case 'join-error':
    case 'join-timeout':
    case 'retry-due':
    case 'server-error':
    case 'server-close':
    case 'rejoin':
      return [s, []]
  }
}

export function fromErrored(s: ErroredChannel, event: ChannelEvent, ctx: ChannelContext): ChannelResult {
  const waiting = s.retryAt === null
  switch (event.type) {
    case 'retry-due':
      if (waiting) return [s, []]
      return ctx.ready ? sendJoin(s.attempt + 1, s.joinedBefore, s.tokenRetried, ctx) : [{ ...s, retryAt: null }, []]
    case 'ready':
      return waiting ? sendJoin(s.attempt + 1, s.joinedBefore, s.tokenRetried, ctx) : [s, []]
    case 'socket-down':
      return waiting ? [s, []] : [{ ...s, retryAt: null }, [cancel('retry')]]
    case 'unsubscribe':
      return [CLOSED, waiting ? [emit('CLOSED')] : [cancel('retry'), emit('CLOSED')]]
    case 'subscribe':
    case 'join-ok':
    case 'join-error':
    case 'join-timeout':
    case 'leave-ok':
    case 'leave-timeout':
    case 'server-error':
    case 'server-close':
    case 'rejoin':
      return [s, []]
  }
}

// ── shared steps ─────────────────────────────────────────────────────────────────────────────

const CLOSED: ChannelState = { name: 'closed' }
/** Every transition out of joined starts with it: the server forgot this join (its presence, its pushes). */
const LEFT: ChannelEffect = { type: 'left' }

const emit = (status: SubscribeStatus, error?: ChannelError): ChannelEffect =>
  error ? { type: 'emit', status, error } : { type: 'emit', status }
const start = (timer: ChannelTimer, ms: number): ChannelEffect => ({ type: 'start-timer', timer, ms })
const cancel = (timer: ChannelTimer): ChannelEffect => ({ type: 'cancel-timer', timer })

/** Sends join `ctx.ref` now: joining(attempt, ctx.ref) with its join-timeout. */
function sendJoin(
  attempt: number,
  joinedBefore: boolean,
  tokenRetried: boolean,
  ctx: ChannelContext,
  before: ChannelEffect[] = [],
): ChannelResult {
  return [
    { name: 'joining', attempt, joinRef: ctx.ref, joinedBefore, tokenRetried },
    [...before, { type: 'send-join', joinRef: ctx.ref }, start('join-timeout', ctx.joinTimeoutMs ?? ctx.timeoutMs)],
  ]
}

/** Joins now if the socket is ready, else waits in joining(attempt, null) for `ready`. */
function join(
  attempt: number,
  joinedBefore: boolean,
  tokenRetried: boolean,
  ctx: ChannelContext,
  before: ChannelEffect[] = [],
): ChannelResult {
  if (ctx.ready) return sendJoin(attempt, joinedBefore, tokenRetried, ctx, before)
  return [{ name: 'joining', attempt, joinRef: null, joinedBefore, tokenRetried }, before]
}

/** Sends leave `ctx.ref` for `joinRef`: leaving with its leave-timeout. */
function leave(joinRef: string, ctx: ChannelContext, before: ChannelEffect[]): ChannelResult {
  return [
    { name: 'leaving', joinRef, ref: ctx.ref, thenJoin: false },
    [...before, { type: 'send-leave', joinRef, ref: ctx.ref }, start('leave-timeout', ctx.timeoutMs)],
  ]
}

/** The leave is over: closed, then a fresh subscribe if one arrived while leaving. */
function endLeave(s: LeavingChannel, ctx: ChannelContext, before: ChannelEffect[]): ChannelResult {
  const effects = [...before, emit('CLOSED')]
  return s.thenJoin ? join(1, false, false, ctx, effects) : [CLOSED, effects]
}

/** A join-error for the current join (the table's "Refusals"). */
function refused(s: JoiningChannel, reason: string, ctx: ChannelContext): ChannelResult {
  const r = parseJoinErrorReason(reason)
  const error: ChannelError = { kind: 'refused', reason: r }
  const effects = [cancel('join-timeout'), emit('CHANNEL_ERROR', error)]
  const { attempt, joinedBefore, tokenRetried } = s
  if (r.retry === 'never' || (r.retry === 'new-token' && tokenRetried)) return [{ name: 'failed', error }, effects]
  if (r.retry === 'new-token') {
    return [
      { name: 'errored', attempt, retryAt: null, error, joinedBefore, tokenRetried: true },
      [...effects, { type: 'refresh-token' }],
    ]
  }
  const ms = rejoinDelay(attempt, r.retry === 'rate-limited' ? 'rate-limited' : 'normal')
  return [
    { name: 'errored', attempt, retryAt: ctx.now + ms, error, joinedBefore, tokenRetried },
    [...effects, start('retry', ms)],
  ]
}
