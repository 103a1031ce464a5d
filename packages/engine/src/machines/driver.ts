// The one driver every state machine runs under (the engine's and the client's, and their
// tests'). A machine is a pure `transition(state, event, ctx) → [state, effects]`; the driver
// builds the context when it takes an event, commits the new state first, then runs the
// effects in order. Events that arrive while effects run (an effect that dispatches, a timer
// a TestClock fires inside an effect) are queued and taken in turn once the current ones are
// done: every transition sees the state the previous one committed, never half of it.
//
// Timers belong to the driver: an effect `{ type: 'start-timer', timer?, ms }` arms the named
// timer on the injected clock (replacing one of the same name), `{ type: 'cancel-timer', timer? }`
// disarms it, and a timer that fires dispatches `timers.fired(name)`. A machine with a single
// timer may leave `timer` out (its name is then 'timer'). Every other effect goes to `perform`.
//
//   dispatch(e) ──▶ queue ──▶ ctx = context(e); [next, effects] = transition(state, e, ctx)
//                              state = next; effects.forEach(timer or perform); changed?(next, prev)
//                   queue empty ──▶ drained?(state)

import type { Clock } from '../clock.ts'
import { Timers } from '../timers.ts'

export type StartTimer<T extends string = string> = { type: 'start-timer'; timer?: T; ms: number }
export type CancelTimer<T extends string = string> = { type: 'cancel-timer'; timer?: T }
/** An effect the driver carries out itself. */
export type TimerEffect = { type: 'start-timer' | 'cancel-timer' }

/** The name of a timer effect's timer ('timer' when the machine has only one and leaves it out). */
export type TimerName<F> = F extends { type: 'start-timer'; timer: infer T extends string }
  ? T
  : F extends { type: 'start-timer' }
    ? 'timer'
    : never

export interface MachineSpec<S, E, C, F extends { type: string }> {
  readonly initial: NoInfer<S>
  readonly transition: (state: S, event: E, ctx: C) => readonly [S, readonly F[]]
  /** The context of one transition, built when its event is taken from the queue. */
  readonly context: (event: E, state: S) => NoInfer<C>
  /** Runs one effect other than the timer effects, after the new state is committed. */
  readonly perform?: (effect: Exclude<F, TimerEffect>, next: S, previous: S) => void
  /** Where timer effects run, and the event each timer sends when it fires. */
  readonly timers?: { readonly clock: Clock; readonly fired: (timer: TimerName<F>) => NoInfer<E> }
  /** Runs after an event's effects when the state changed (by identity: a no-op returns the same object). */
  readonly changed?: (next: S, previous: S) => void
  /**
   * Runs once the outermost dispatch has taken every queued event: the machine is at rest. Unlike
   * `changed`, which runs per event while events its effects dispatched still wait in the queue, it
   * sees the state those events left (what a promise waiting on the machine should read).
   */
  readonly drained?: (state: S) => void
}

export class Driver<S, E, C, F extends { type: string }> {
  readonly #spec: MachineSpec<S, E, C, F>
  readonly #timers: Timers<string> | undefined
  readonly #queue: E[] = []
  #state: S
  #busy = false

  constructor(spec: MachineSpec<S, E, C, F>) {
    this.#spec = spec
    this.#state = spec.initial
    this.#timers = spec.timers && new Timers(spec.timers.clock)
  }

  get state(): S {
    return this.#state
  }

  /**
   * Takes `event` now, or after the events already queued when called from inside an effect.
   * An effect that throws does not stop the queue: the events after it are still taken, then
   * the first error is rethrown to the caller of the outermost dispatch.
   */
  dispatch(event: E): void {
    this.#queue.push(event)
    if (this.#busy) return
    this.#busy = true
    let failure: { error: unknown } | undefined
    try {
      for (let next = this.#queue.shift(); next !== undefined; next = this.#queue.shift()) {
        try {
          this.#step(next)
        } catch (error) {
          failure ??= { error }
        }
      }
    } finally {
      this.#busy = false
    }
    try {
      this.#spec.drained?.(this.#state)
    } catch (error) {
      failure ??= { error }
    }
    if (failure) throw failure.error
  }

  /** Disarms every timer (the machine's owner is going away); the state stays as it is. */
  stopTimers(): void {
    this.#timers?.cancelAll()
  }

  #step(event: E): void {
    const spec = this.#spec
    const previous = this.#state
    const [next, effects] = spec.transition(previous, event, spec.context(event, previous))
    this.#state = next
    for (const effect of effects) {
      if (effect.type === 'start-timer' || effect.type === 'cancel-timer')
        this.#timer(effect as unknown as StartTimer | CancelTimer)
      else spec.perform?.(effect as Exclude<F, TimerEffect>, next, previous)
    }
    if (next !== previous) spec.changed?.(next, previous)
  }

  #timer(effect: StartTimer | CancelTimer): void {
    const timers = this.#timers
    const fired = this.#spec.timers?.fired
    if (!timers || !fired)
      throw new Error(
        `a machine asked for timer effect ${effect.type}, but its driver has no clock (MachineSpec.timers)`,
      )
    const name = (effect.timer ?? 'timer') as TimerName<F>
    if (effect.type === 'cancel-timer') timers.cancel(name)
    else timers.start(name, effect.ms, () => this.dispatch(fired(name)))
  }
}
