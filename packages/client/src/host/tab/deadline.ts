// Runs in the tab. A deadline on anything the tab awaits from a worker: a call to a dead
// worker never settles (Comlink has no timeout of its own), so every command, attach and
// replay runs under one, and a missed deadline is how the tab learns its worker is gone.

import { RealtimeError } from '../../errors.ts'

/** `work`, or a RealtimeError('host-timeout') after `ms`. */
export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new RealtimeError('host-timeout', `${what}: no answer from the worker within ${ms} ms`)), ms)
    work.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
