// Test tabs for engine integration tests: each is a Session whose events are recorded
// (and acknowledged at once, like the in-page host), with waits that resolve on arrival.

import type { Engine } from '../engine.ts'
import type { EngineEvent } from '../events.ts'
import type { Session } from '../session.ts'

export interface TestTab {
  session: Session
  events: EngineEvent[]
  /** The first event not taken yet that matches `accept` (waits for it). */
  next(accept: (e: EngineEvent) => boolean, timeoutMs?: number): Promise<EngineEvent>
  /** Every event of `sub` seen so far, of a type. */
  of<T extends EngineEvent['type']>(type: T, sub?: string): Array<Extract<EngineEvent, { type: T }>>
}

export function openTab(engine: Engine, id: string): TestTab {
  const events: EngineEvent[] = []
  const taken = new Set<number>()
  let wake: Array<() => void> = []
  const session = engine.attach(id, (batch) => {
    events.push(...batch)
    session.ack(batch.length)
    const waiting = wake
    wake = []
    for (const w of waiting) w()
  })
  return {
    session,
    events,
    async next(accept, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        for (let i = 0; i < events.length; i++) {
          if (!taken.has(i) && accept(events[i]!)) {
            taken.add(i)
            return events[i]!
          }
        }
        const left = deadline - Date.now()
        if (left <= 0)
          throw new Error(
            `tab ${id}: no matching event within ${timeoutMs} ms; last events: ${JSON.stringify(events.slice(-8))}`,
          )
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left)
          wake.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
    of(type, sub) {
      return events.filter(
        (e) => e.type === type && (sub === undefined || (e as { sub?: string }).sub === sub),
      ) as never
    },
  }
}

export const isStatus = (sub: string, status: string) => (e: EngineEvent) =>
  e.type === 'status' && e.sub === sub && e.status === status
