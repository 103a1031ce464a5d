// Carries out the HeartbeatMonitor's effects (machines/heartbeat.ts): sends heartbeats,
// runs its timers, reports each status to the engine, and tells it when a reply is late.
import type { Clock } from './clock.ts'
import { type HeartbeatEvent, type HeartbeatState, type HeartbeatStatus, initialHeartbeatState, transitionHeartbeat } from './machines/heartbeat.ts'
import { Timers } from './timers.ts'

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
  #state: HeartbeatState = initialHeartbeatState
  readonly #recentRttMs: number[] = []
  readonly #host: HeartbeatHost
  readonly #timers: Timers<'interval' | 'timeout'>

  constructor(host: HeartbeatHost) {
    this.#host = host
    this.#timers = new Timers(host.clock)
  }

  get state(): HeartbeatState['name'] {
    return this.#state.name
  }

  get lastRttMs(): number | undefined {
    return this.#recentRttMs.at(-1)
  }

  /** The last RTT_HISTORY round trips, oldest first (a copy). */
  get recentRttMs(): number[] {
    return [...this.#recentRttMs]
  }

  dispatch(event: HeartbeatEvent): void {
    const host = this.#host
    const [next, effects] = transitionHeartbeat(this.#state, event, {
      now: host.clock.now(),
      ref: host.peekRef(),
      intervalMs: host.intervalMs,
      timeoutMs: host.timeoutMs,
    })
    this.#state = next
    for (const effect of effects) {
      switch (effect.type) {
        case 'send':
          host.takeRef(effect.ref)
          host.sendHeartbeat(effect.ref)
          break
        case 'start-timer':
          this.#timers.start(effect.timer, effect.ms, () => this.dispatch({ type: effect.timer === 'interval' ? 'tick' : 'timeout' }))
          break
        case 'cancel-timer':
          this.#timers.cancel(effect.timer)
          break
        case 'report':
          if (effect.rttMs !== undefined) {
            this.#recentRttMs.push(effect.rttMs)
            if (this.#recentRttMs.length > RTT_HISTORY) this.#recentRttMs.shift()
          }
          host.report(effect.status, effect.rttMs)
          break
        case 'timed-out':
          host.timedOut()
          break
      }
    }
  }
}
