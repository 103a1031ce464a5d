// Runs in the tab. SupervisorMachine: the life of one tab's link to its worker (DESIGN.md "Many
// tabs, one socket", rules 7-10). Pure: transition(state, event, ctx) → [next state, effects];
// the Supervisor (supervisor.ts) runs it under the engine's Driver on an injected clock, carries
// out the effects and turns what happens (an open's outcome, a lost worker, the page's
// transitions) into events. `C` is a connection (connection.ts), only ever compared by identity.
//
//              attach               opened
//   detached ──────────▶ attaching ─────────▶ live ◀─────────── opened ─────────┐
//      ▲                   │ open-failed        │ lost: a deadline, another      │
//      └───────────────────┘                    │ instance, not-attached, the    │
//                                               ▼ worker's lock                  │
//                                          recovering(n) ────────────────────────┘
//                                   retry-due ▲    │ open-failed
//                                             │    ▼
//                                          waiting(n+1, retryAt)
//   attaching · live · recovering · waiting ── page-hide(persisted) ──▶ hidden ── page-show ──▶ recovering(0)
//   any ── detach ──▶ detached
//
//   state \ event  attach     opened(id)     open-failed(id)   lost(c)         retry-due
//   detached       attaching  close          ·                 ·               ·
//   attaching      ·          live / close   detached (error)  ·               ·
//   live           ·          close          ·                 recovering(0)   ·
//   recovering(n)  ·          live / close   waiting(n+1)      ·               ·
//   waiting(n)     ·          close          ·                 ·               recovering(n)
//   hidden         ·          close          ·                 ·               ·
//
//   state \ event  page-hide(persisted)     page-show      probe-due  probe-done    visibility(h/v)     detach
//   detached       ·                        ·              ·          ·             ·                   detached
//   attaching      hidden / ·               ·              ·          ·             ·                   detached
//   live           hidden / goodbye         ·              ping       probe timer   stop probe / ping   detached + leave
//   recovering(n)  hidden / ·               ·              ·          ·             ·                   detached
//   waiting(n)     hidden / ·               ·              ·          ·             ·                   detached
//   hidden         ·                        recovering(0)  ·          ·             ·                   detached
//   (· = explicit no-op: [state, []]; a / b = persisted / not persisted)
//
// - Every open carries an id (ctx.id, fresh per event) that attaching and recovering keep:
//   `opened` and `open-failed` count only for the open the state waits for. Any other opened
//   connection is closed (the tab detached, was hidden, or attached again meanwhile).
// - attach: listen to the page's transitions, open. From any other state it is a no-op: the
//   Supervisor detaches first.
// - opened → live: watch the worker's lock, start the probe timer (ctx.probeMs > 0), and resolve
//   the commands waiting for a connection; after a recovery, first deliver `resubscribed` to
//   every subscription (the memory replayed them while opening).
// - open-failed while attaching: the first attach failed; detached, the waiters hear its error.
//   While recovering(n): waiting(n+1) for recoveryDelay(n+1), then retry-due opens again.
// - lost(c) counts only for the live connection c: close it, open another and replay (attempt 0
//   opens at once).
// - page-hide: a live tab says goodbye; with `persisted` (back/forward cache) it also lets go of
//   the worker and its lock: hidden, and page-show comes back the way a recovery does.
// - Entering detached or hidden rejects the waiting commands (not-attached, unless the attach's
//   own error); entering detached also stops listening to the page and forgets what the tab held.
//   detach from detached does so again (the memory may hold a command refused before attach).
// - probe-due pings the worker (a tab that only listens would not notice a dead one); the next
//   probe is armed once that ping settled (probe-done), so pings never overlap.
// - visibility: the page was hidden (the probe stops; the Supervisor then gives ctx.probeMs 0, so
//   nothing re-arms it) or shown (a ping now, which re-arms the probe): a hidden tab runs no timer
//   (decision 81). The Supervisor sends it only where Web Locks tell the tab of a dead worker.
//
// Effect order: connection effects (goodbye, close, open), then timers, then what the API sees.
// Timers run on the Driver's clock: start-timer replaces a running timer of the same name.

export type SupervisorState<C> =
  | { name: 'detached' }
  | { name: 'attaching'; open: number }
  | { name: 'live'; connection: C }
  | { name: 'recovering'; attempt: number; open: number }
  | { name: 'waiting'; attempt: number; retryAt: number }
  | { name: 'hidden' }

export type SupervisorEvent<C> =
  | { type: 'attach' }
  | { type: 'opened'; id: number; connection: C }
  | { type: 'open-failed'; id: number; error: unknown }
  /** A deadline passed, a reply or event came from another instance or said not-attached, or the worker died. */
  | { type: 'lost'; connection: C }
  | { type: 'retry-due' }
  | { type: 'page-hide'; persisted: boolean }
  | { type: 'page-show' }
  | { type: 'probe-due' }
  | { type: 'probe-done' }
  /** The page was hidden or shown (where the worker's lock tells of its death: see above). */
  | { type: 'visibility'; hidden: boolean }
  | { type: 'detach' }

export type SupervisorTimer = 'retry' | 'probe'

export type SupervisorEffect<C> =
  /** Open a connection (take the tab's lock, reach the worker, attach); `replay`: then give it the memory. */
  | { type: 'open'; id: number; replay: boolean }
  | { type: 'close'; connection: C }
  /** The detach command (under a deadline: the worker may be dead), then close. */
  | { type: 'leave'; connection: C }
  /** The goodbye command, not awaited: the page is going. */
  | { type: 'goodbye'; connection: C }
  /** Wait on the worker's own lock: granted, it is `lost`. */
  | { type: 'watch'; connection: C }
  | { type: 'ping' }
  /** Deliver a `resubscribed` system event to every subscription the tab holds. */
  | { type: 'resubscribed' }
  | { type: 'resolve-waiters'; connection: C }
  /** `error`: the attach's own failure; none: not-attached. */
  | { type: 'reject-waiters'; error?: unknown }
  | { type: 'listen-page' }
  | { type: 'unlisten-page' }
  /** Clear the memory of what the tab held. */
  | { type: 'forget' }
  | { type: 'start-timer'; timer: SupervisorTimer; ms: number }
  | { type: 'cancel-timer'; timer: SupervisorTimer }

export interface SupervisorContext {
  now: number
  /** A number no earlier event got: the id of an open this event starts. */
  id: number
  /** How often a live connection is probed; 0: never (or not while the page is hidden). */
  probeMs: number
}

type StateName = SupervisorState<unknown>['name']

export const TERMINAL_SUPERVISOR_STATES = ['detached'] as const satisfies ReadonlyArray<StateName>

type TerminalName = (typeof TERMINAL_SUPERVISOR_STATES)[number]

export type TerminalSupervisorState = Extract<SupervisorState<unknown>, { name: TerminalName }>

export const initialSupervisorState: TerminalSupervisorState = { name: 'detached' }

/** Waits before recovery attempt n (the last value repeats). */
export const RECOVERY_DELAYS_MS = [0, 250, 1000, 2000, 5000, 10_000] as const

export const recoveryDelay = (attempt: number): number =>
  RECOVERY_DELAYS_MS[Math.min(attempt, RECOVERY_DELAYS_MS.length - 1)] ?? 0

type Result<C> = [SupervisorState<C>, SupervisorEffect<C>[]]

const ignore = <C>(state: SupervisorState<C>): Result<C> => [state, []]
const open = <C>(id: number, replay: boolean): SupervisorEffect<C> => ({ type: 'open', id, replay })
const probe = <C>(ms: number): SupervisorEffect<C>[] => (ms > 0 ? [{ type: 'start-timer', timer: 'probe', ms }] : [])

export function transitionSupervisor<C>(
  state: SupervisorState<C>,
  event: SupervisorEvent<C>,
  ctx: SupervisorContext,
): Result<C> {
  switch (event.type) {
    case 'attach':
      if (state.name !== 'detached') return ignore(state)
      return [{ name: 'attaching', open: ctx.id }, [{ type: 'listen-page' }, open(ctx.id, false)]]
    case 'opened': {
      const awaited = (state.name === 'attaching' || state.name === 'recovering') && state.open === event.id
      if (!awaited) return [state, [{ type: 'close', connection: event.connection }]]
      const connection = event.connection
      return [
        { name: 'live', connection },
        [
          { type: 'watch', connection },
          ...probe<C>(ctx.probeMs),
          ...(state.name === 'recovering' ? [{ type: 'resubscribed' } as const] : []),
          { type: 'resolve-waiters', connection },
        ],
      ]
    }
    case 'open-failed':
      if (state.name === 'attaching' && state.open === event.id) return detached(state, event.error)
      if (state.name !== 'recovering' || state.open !== event.id) return ignore(state)
      return wait(state.attempt + 1, ctx)
    case 'lost':
      if (state.name !== 'live' || state.connection !== event.connection) return ignore(state)
      return [
        { name: 'recovering', attempt: 0, open: ctx.id },
        [{ type: 'close', connection: state.connection }, open(ctx.id, true), { type: 'cancel-timer', timer: 'probe' }],
      ]
    case 'retry-due':
      if (state.name !== 'waiting') return ignore(state)
      return [{ name: 'recovering', attempt: state.attempt, open: ctx.id }, [open(ctx.id, true)]]
    case 'page-hide':
      return pageHide(state, event.persisted)
    case 'page-show':
      if (state.name !== 'hidden') return ignore(state)
      return [{ name: 'recovering', attempt: 0, open: ctx.id }, [open(ctx.id, true)]]
    case 'probe-due':
      return state.name === 'live' ? [state, [{ type: 'ping' }]] : ignore(state)
    case 'probe-done':
      return state.name === 'live' ? [state, probe<C>(ctx.probeMs)] : ignore(state)
    case 'visibility':
      if (state.name !== 'live') return ignore(state)
      return [state, [event.hidden ? { type: 'cancel-timer', timer: 'probe' } : { type: 'ping' }]]
    case 'detach':
      return detached(state)
  }
}

function wait<C>(attempt: number, ctx: SupervisorContext): Result<C> {
  const ms = recoveryDelay(attempt)
  return [{ name: 'waiting', attempt, retryAt: ctx.now + ms }, [{ type: 'start-timer', timer: 'retry', ms }]]
}

function pageHide<C>(state: SupervisorState<C>, persisted: boolean): Result<C> {
  const goodbye: SupervisorEffect<C>[] = []
  if (state.name === 'live') goodbye.push({ type: 'goodbye', connection: state.connection })
  if (!persisted || state.name === 'detached' || state.name === 'hidden') return [state, goodbye]
  const letGo: SupervisorEffect<C>[] =
    state.name === 'live'
      ? [
          { type: 'close', connection: state.connection },
          { type: 'cancel-timer', timer: 'probe' },
        ]
      : [{ type: 'cancel-timer', timer: 'retry' }]
  return [{ name: 'hidden' }, [...goodbye, ...letGo, { type: 'reject-waiters' }]]
}

function detached<C>(state: SupervisorState<C>, error?: unknown): Result<C> {
  return [
    { name: 'detached' },
    [
      ...(state.name === 'live' ? [{ type: 'leave', connection: state.connection } as const] : []),
      { type: 'cancel-timer', timer: 'retry' },
      { type: 'cancel-timer', timer: 'probe' },
      { type: 'unlisten-page' },
      { type: 'forget' },
      error === undefined ? { type: 'reject-waiters' } : { type: 'reject-waiters', error },
    ],
  ]
}
