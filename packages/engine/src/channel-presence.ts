// Presence on one server channel, both ways. This browser's own: one meta for all its tabs, the
// payload of the tab that tracked last (the tracking tabs are kept in order, so when it untracks
// the most recent remaining one applies), sent by the PresenceTracker (machines/presence-tracker.ts)
// under the generic Driver. The tracker follows the ChannelMachine's own `joined` / `left` effects
// (server-channel.ts passes them on), and sends only while the channel is joined. The others':
// the presence state built from presence_state / presence_diff (PresenceSync), told to every
// subscription and replayed to a tab that subscribes once the channel is joined.

import {
  applyPresenceEvent,
  initialPresenceSync,
  type PresenceState,
  type PresenceSync,
} from '@shared-realtime/protocol'
import type { ChannelDriver } from './channel-driver.ts'
import type { Clock } from './clock.ts'
import type { Logger } from './logger.ts'
import { Driver } from './machines/driver.ts'
import {
  initialPresenceTrackerState,
  PRESENCE_MIN_INTERVAL_MS,
  type PresenceTrackerContext,
  type PresenceTrackerEffect,
  type PresenceTrackerEvent,
  type PresenceTrackerState,
  transitionPresence,
} from './machines/presence-tracker.ts'
import type { SubscriptionSet } from './subscriptions.ts'

export interface PresenceParts {
  readonly topic: string
  readonly clock: Clock
  readonly logger: Logger
  /** Sends this browser's presence calls (while joined) and tells the current join_ref. */
  readonly channel: ChannelDriver
  readonly subscriptions: SubscriptionSet
}

export class ChannelPresence {
  readonly #parts: PresenceParts
  readonly #tracker: Driver<PresenceTrackerState, PresenceTrackerEvent, PresenceTrackerContext, PresenceTrackerEffect>
  /** Each tracking session's payload; the last one is the one that applies. */
  readonly #trackers = new Map<string, Record<string, unknown>>()
  #sync: PresenceSync = initialPresenceSync()

  constructor(parts: PresenceParts) {
    this.#parts = parts
    const { clock, channel } = parts
    this.#tracker = new Driver({
      initial: initialPresenceTrackerState,
      transition: transitionPresence,
      context: () => ({ now: clock.now(), minIntervalMs: PRESENCE_MIN_INTERVAL_MS }),
      timers: { clock, fired: () => ({ type: 'timer-due' }) },
      perform: (effect) => {
        const call = effect.type === 'send-track' ? { event: 'track', payload: effect.payload } : { event: 'untrack' }
        channel.push('presence', { type: 'presence', ...call })
      },
    })
  }

  /** The presence state of the others (and ours, as the server reported it). */
  get state(): PresenceState {
    return this.#sync.state
  }

  track(sessionId: string, payload: Record<string, unknown>): void {
    this.#trackers.delete(sessionId)
    this.#trackers.set(sessionId, payload)
    this.#tracker.dispatch({ type: 'track', payload })
  }

  untrack(sessionId: string): void {
    if (!this.#trackers.delete(sessionId)) return
    const last = [...this.#trackers.values()].at(-1)
    this.#tracker.dispatch(last ? { type: 'track', payload: last } : { type: 'untrack' })
  }

  /** The ChannelMachine's `joined`: the server forgot us, track again. */
  joined(): void {
    this.#tracker.dispatch({ type: 'joined' })
  }

  /** The ChannelMachine's `left`. */
  left(): void {
    this.#tracker.dispatch({ type: 'left' })
  }

  /** A join was accepted: diffs buffered for an older join are dropped. */
  joinAccepted(): void {
    this.#sync = { ...this.#sync, pendingDiffs: [] }
  }

  /** A presence_state or presence_diff from the server, for every subscription. */
  receive(kind: 'state' | 'diff', payload: unknown): void {
    const { channel, logger, subscriptions, topic } = this.#parts
    const joinRef = channel.joinRef
    if (joinRef === null) return
    const before = this.#sync
    const step = applyPresenceEvent(before, { kind, joinRef, payload })
    if (!step.ok) {
      logger.warn(`dropped a malformed presence_${kind} on ${topic}: ${step.error.detail}`)
      return
    }
    this.#sync = step.sync
    if (step.events.length === 0) return // buffered until the state of this join
    if (kind === 'state' || before.joinRef !== joinRef) {
      subscriptions.toAll((subId) => ({ type: 'presence-state', sub: subId, state: step.sync.state }))
    } else {
      subscriptions.toAll((subId) => ({ type: 'presence-diff', sub: subId, diff: payload as never }))
    }
  }

  dispose(): void {
    this.#tracker.stopTimers()
  }

  /** Plain data for inspect(). */
  snapshot() {
    const { size } = this.#trackers
    return { tracking: size, sent: this.#tracker.state.sent.kind, keys: Object.keys(this.#sync.state).length }
  }
}
