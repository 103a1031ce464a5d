// The HeartbeatMonitor (machines/heartbeat.ts) under the generic Driver, for the socket driver:
// heartbeats go out through the host with the next frame ref, each status is reported to it, and
// a reply that comes too late tells it the link is dead. It keeps the recent round trips for inspect().
import type { Clock } from './clock.ts'
import { Driver } from './machines/driver.ts'
import {
  type HeartbeatContext,
  type HeartbeatEffect,
  type HeartbeatEvent,
  type HeartbeatState,
  type HeartbeatStatus,
  heartbeatTimerEvent,
  initialHeartbeatState,
  transitionHeartbeat,
} from './machines/heartbeat.ts'

export interface HeartbeatHost {
  clock: Clock
  intervalMs: number
  timeoutMs: number
  /** The ref the next frame would get (a heartbeat that is sent takes it). */
  peekRef(): string
  takeRef(ref: string): void
  sendHeartbeat(ref: string): void
  report(status: HeartbeatStatus, rttMs?: number): void
  timedOut(): void
}

/** How many recent round trips the driver keeps for inspect() (a live chart in a new tab). */
export const RTT_HISTORY = 30

export class HeartbeatDriver {
  readonly #recentRttMs: number[] = []
  readonly #driver: Driver<HeartbeatState, HeartbeatEvent, HeartbeatContext, HeartbeatEffect>

  constructor(host: HeartbeatHost) {
    const { clock, intervalMs, timeoutMs } = host
    this.#driver = new Driver({
      initial: initialHeartbeatState,
      transition: transitionHeartbeat,
      context: () => ({ now: clock.now(), ref: host.peekRef(), intervalMs, timeoutMs }),
      timers: { clock, fired: heartbeatTimerEvent },
      perform: (effect) => {
        switch (effect.type) {
          case 'send':
            host.takeRef(effect.ref)
            return host.sendHeartbeat(effect.ref)
          case 'report':
            if (effect.rttMs !== undefined) {
              this.#recentRttMs.push(effect.rttMs)
              if (this.#recentRttMs.length > RTT_HISTORY) this.#recentRttMs.shift()
            }
            return host.report(effect.status, effect.rttMs)
          case 'timed-out':
            return host.timedOut()
        }
      },
    })
  }

  get state(): HeartbeatState['name'] {
    return this.#driver.state.name
  }

  get lastRttMs(): number | undefined {
    return this.#recentRttMs.at(-1)
  }

  /** The last RTT_HISTORY round trips, oldest first (a copy). */
  get recentRttMs(): number[] {
    return [...this.#recentRttMs]
  }

  dispatch(event: HeartbeatEvent): void {
    this.#driver.dispatch(event)
  }
}
