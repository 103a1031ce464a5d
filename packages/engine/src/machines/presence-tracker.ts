// PresenceTracker: this browser's own presence on one server channel, as a pure transition;
// channel-presence.ts runs it under the generic Driver (machines/driver.ts).
//
// One meta for all the browser's tabs (last writer wins), sent under the server's limit (5 calls
// per 30 s per channel, PROTOCOL.md §3.7) by sending at most one call per `minIntervalMs` (6 s):
// the newest payload wins, an identical payload is not resent, and after a rejoin the desired
// payload is tracked again.
//
//   not joined ──joined──▶ joined ──left──▶ not joined        (no terminal state: it lives as long as
//   track/untrack set       sends now, or arms the                 its channel)
//   `desired` only          'coalesce' timer once
//
// event      when                next state                                      effects, in this order
// ────────── ─────────────────── ─────────────────────────────────────────────── ──────────────────────
// track p    always              desired = tracked(p), then R                    R's
// untrack    desired tracked     desired = untracked, then R                     R's
// untrack    desired untracked   no-op
// joined     always              joined, sent = untracked, lastSentAt = null,    cancel-timer if it was
//                                timerArmed false, then R                          armed, then R's
// left       joined              not joined, sent = untracked, timerArmed false  cancel-timer if armed
// left       not joined          no-op (there is nothing to forget)
// timer-due  timerArmed          timerArmed false, then R                        R's
// timer-due  not armed           no-op (a stale timer)
//
// R, reconcile: when joined and desired differs from sent (what the server holds; payloads compare
// by their JSON text):
//   lastSentAt null, or now - lastSentAt ≥ minIntervalMs → send-track(payload) / send-untrack;
//                                                           sent = desired, lastSentAt = now
//   else, timer not armed → start-timer(lastSentAt + minIntervalMs - now); timerArmed
//   else                  → nothing: the armed timer sends whatever is desired when it fires
// A desire that returns to what was sent leaves the armed timer alone; when due it sends nothing.
// `joined` means the channel (re)joined and the server forgot us: a new channel process has a fresh
// rate window, so the desired payload goes out at once, and a timer still armed is cancelled (decided
// here: the contract did not say). `left` (socket down, left, errored) keeps lastSentAt: `joined`
// resets it. `joined` and `left` are the ChannelMachine's own effects (machines/channel.ts), passed on:
// `left` opens every transition out of joined, including a rejoin.

export type PresenceDesire = { kind: 'untracked' } | { kind: 'tracked'; payload: Record<string, unknown>; json: string }

export interface PresenceTrackerState {
  joined: boolean
  desired: PresenceDesire
  /** What the server holds for us. */
  sent: PresenceDesire
  lastSentAt: number | null
  timerArmed: boolean
}

export type PresenceTrackerEvent =
  | { type: 'track'; payload: Record<string, unknown> }
  | { type: 'untrack' }
  | { type: 'joined' }
  | { type: 'left' }
  | { type: 'timer-due' }

export type PresenceTrackerEffect =
  | { type: 'send-track'; payload: Record<string, unknown> }
  | { type: 'send-untrack' }
  | { type: 'start-timer'; ms: number }
  | { type: 'cancel-timer' }

export interface PresenceTrackerContext {
  now: number
  minIntervalMs: number
}

export const PRESENCE_MIN_INTERVAL_MS = 6000

export const initialPresenceTrackerState: PresenceTrackerState = {
  joined: false,
  desired: { kind: 'untracked' },
  sent: { kind: 'untracked' },
  lastSentAt: null,
  timerArmed: false,
}

const UNTRACKED: PresenceDesire = { kind: 'untracked' }

type Result = [PresenceTrackerState, PresenceTrackerEffect[]]

export function transitionPresence(
  state: PresenceTrackerState,
  event: PresenceTrackerEvent,
  ctx: PresenceTrackerContext,
): Result {
  switch (event.type) {
    case 'track':
      return reconcile(
        { ...state, desired: { kind: 'tracked', payload: event.payload, json: JSON.stringify(event.payload) } },
        ctx,
        [],
      )
    case 'untrack':
      return state.desired.kind === 'untracked' ? [state, []] : reconcile({ ...state, desired: UNTRACKED }, ctx, [])
    case 'joined': {
      const next = { ...state, joined: true, sent: UNTRACKED, lastSentAt: null, timerArmed: false }
      return reconcile(next, ctx, state.timerArmed ? [{ type: 'cancel-timer' }] : [])
    }
    case 'left':
      if (!state.joined) return [state, []]
      return [
        { ...state, joined: false, sent: UNTRACKED, timerArmed: false },
        state.timerArmed ? [{ type: 'cancel-timer' }] : [],
      ]
    case 'timer-due':
      return state.timerArmed ? reconcile({ ...state, timerArmed: false }, ctx, []) : [state, []]
  }
}

const same = (a: PresenceDesire, b: PresenceDesire): boolean =>
  a.kind === 'untracked' ? b.kind === 'untracked' : b.kind === 'tracked' && a.json === b.json

function reconcile(state: PresenceTrackerState, ctx: PresenceTrackerContext, effects: PresenceTrackerEffect[]): Result {
  if (!state.joined || same(state.desired, state.sent)) return [state, effects]
  const wait = state.lastSentAt === null ? 0 : state.lastSentAt + ctx.minIntervalMs - ctx.now
  if (wait <= 0) {
    const { desired } = state
    const send: PresenceTrackerEffect =
      desired.kind === 'tracked' ? { type: 'send-track', payload: desired.payload } : { type: 'send-untrack' }
    return [{ ...state, sent: desired, lastSentAt: ctx.now }, [...effects, send]]
  }
  if (state.timerArmed) return [state, effects]
  return [{ ...state, timerArmed: true }, [...effects, { type: 'start-timer', ms: wait }]]
}
