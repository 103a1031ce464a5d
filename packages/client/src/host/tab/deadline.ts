// Runs in the tab. A deadline on anything the tab awaits from a worker: a call to a dead
// worker never settles (Comlink has no timeout of its own), so every command, attach and
// replay runs under one, and a missed deadline is how the tab learns its worker is gone.

import { type Clock, realClock } from '@shared-realtime/engine'
import { RealtimeError } from '../../errors.ts'

/** `work`, or a RealtimeError('host-timeout') after `ms` on `clock`. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string, clock: Clock = realClock): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const late = `${what}: no answer from the worker within ${ms} ms`
    const timer = clock.setTimeout(() => reject(new RealtimeError('host-timeout', late)), ms)
    work.then(
      (value) => {
        clock.clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clock.clearTimeout(timer)
        reject(error)
      },
    )
  })
}
