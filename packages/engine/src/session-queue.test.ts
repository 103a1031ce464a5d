// SessionQueue's delivery modes on a TestClock: per-turn batches, eager delivery of an event that finds the queue
// idle (worker hosts), and the hold of a hidden tab (decision 81): bounded wait, urgent events, heartbeats that wake
// no one, immediate delivery when the tab is visible again; order, the bound and the gap rule in every mode.

import { describe, expect, test } from 'vitest'
import type { EngineEvent } from './events.ts'
import { SessionQueue, type SessionQueueOptions } from './session-queue.ts'
import { TestClock } from './test-clock.ts'

const msg = (n: number): EngineEvent => ({ type: 'message', sub: 's', event: 'e', payload: n })
const beat = (status: 'sent' | 'ok'): EngineEvent => ({ type: 'heartbeat', status })
const joined: EngineEvent = { type: 'status', sub: 's', status: 'SUBSCRIBED' }
const numbers = (batch: EngineEvent[]) => batch.map((e) => (e.type === 'message' ? e.payload : e.type))

function queue(options: Partial<SessionQueueOptions> = {}) {
  const clock = new TestClock()
  const batches: EngineEvent[][] = []
  const q = new SessionQueue(clock, (batch) => batches.push(batch), { limit: 10_000, ...options })
  return { clock, batches, q, all: () => batches.flat() }
}

describe('per-turn batches (the in-page host)', () => {
  test('events of one turn go in one batch on the next turn', () => {
    const { clock, batches, q } = queue()
    q.push(msg(1))
    q.push(msg(2))
    expect(batches).toEqual([])
    clock.flush()
    expect(batches.map(numbers)).toEqual([[1, 2]])
  })
})

describe('eager (the worker hosts)', () => {
  /** The end of the current task: the microtasks queued so far have run. */
  const endOfTask = () => Promise.resolve()

  test('an event that finds the queue idle goes at the end of the task, with those of the same run', async () => {
    const { clock, batches, q } = queue({ eager: true })
    q.push(joined)
    q.push(msg(1)) // e.g. the presence state told right after SUBSCRIBED
    expect(batches).toEqual([])
    await endOfTask()
    expect(batches.map(numbers)).toEqual([['status', 1]])
    // busy until the next turn: what comes meanwhile waits for it
    q.push(msg(2))
    q.push(msg(3))
    await endOfTask()
    expect(batches).toHaveLength(1)
    clock.flush()
    expect(batches.map(numbers)).toEqual([
      ['status', 1],
      [2, 3],
    ])
  })

  test('an idle queue arms no timer; busy within the millisecond of its last batch, idle after it', async () => {
    const { clock, batches, q } = queue({ eager: true })
    q.push(msg(1))
    await endOfTask()
    expect(clock.pending()).toEqual([])
    q.push(msg(2)) // the same millisecond: the next turn
    await endOfTask()
    expect(clock.pending()).toEqual([0])
    clock.flush()
    clock.advance(1)
    q.push(msg(3)) // a millisecond later: idle, at the end of the task
    await endOfTask()
    expect(batches.map(numbers)).toEqual([[1], [2], [3]])
    expect(clock.pending()).toEqual([])
  })

  test('frames faster than the tab runs: the first at once, the rest in one batch per turn, in order', async () => {
    const { clock, batches, q, all } = queue({ eager: true })
    q.push(msg(0))
    await endOfTask()
    for (let n = 1; n < 100; n++) {
      q.push(msg(n)) // each its own task, before the busy turn ends
      await endOfTask()
    }
    clock.flush()
    expect(batches.map((b) => b.length)).toEqual([1, 99])
    expect(numbers(all())).toEqual(Array.from({ length: 100 }, (_, n) => n))
  })
})

describe('hold: a hidden tab', () => {
  const policy = { ms: 1000, max: 100 }

  test('events wait up to `ms` after the first one and go in one batch', () => {
    const { clock, batches, q } = queue({ eager: true })
    q.hold(policy)
    q.push(msg(1))
    clock.advance(400)
    q.push(msg(2))
    clock.advance(599)
    expect(batches).toEqual([])
    clock.advance(1)
    expect(batches.map(numbers)).toEqual([[1, 2]])
    // the next wait counts from the next event
    q.push(msg(3))
    clock.advance(999)
    expect(batches).toHaveLength(1)
    clock.advance(1)
    expect(batches.map(numbers)).toEqual([[1, 2], [3]])
  })

  test('`max` events queued go at once (the next turn)', () => {
    const { clock, batches, q } = queue()
    q.hold({ ms: 1000, max: 3 })
    for (const n of [1, 2, 3, 4]) q.push(msg(n))
    clock.flush()
    expect(batches.map(numbers)).toEqual([[1, 2, 3, 4]])
  })

  test('status, connection and gap events go at once, with everything queued before them, in order', () => {
    const { clock, batches, q } = queue()
    q.hold(policy)
    q.push(msg(1))
    q.push(joined)
    q.push(msg(2))
    clock.flush()
    expect(batches.map(numbers)).toEqual([[1, 'status', 2]])
    q.push({ type: 'connection', state: 'connected' })
    clock.flush()
    expect(batches).toHaveLength(2)
  })

  test('a heartbeat wakes no one; only the latest waits, and it goes with the next batch in its place', () => {
    const { clock, batches, q } = queue()
    q.hold(policy)
    q.push(beat('sent'))
    q.push(beat('ok'))
    clock.advance(60_000)
    expect(batches).toEqual([])
    expect(clock.pending()).toEqual([])
    expect(q.depth).toBe(1)
    q.push(msg(1))
    clock.advance(1000)
    expect(batches).toEqual([[{ type: 'heartbeat', status: 'ok' }, msg(1)]])
  })

  test('visible again: what waits goes at once, heartbeats too; then delivery is as before the hold', () => {
    const { batches, q } = queue({ eager: true })
    q.hold(policy)
    q.push(msg(1))
    q.push(beat('ok'))
    q.push(msg(2))
    q.hold(undefined)
    expect(batches.map(numbers)).toEqual([[1, 'heartbeat', 2]])
    expect(q.held).toBeUndefined()
  })

  test('the bound, acks and the gap rule are unchanged: held events count, the gap comes first once drained', () => {
    const { clock, q, all } = queue({ limit: 4 })
    q.hold(policy)
    for (let n = 1; n <= 10; n++) q.push(msg(n))
    expect(q.dropped).toBe(6)
    clock.advance(1000)
    expect(numbers(all())).toEqual([1, 2, 3, 4])
    q.ack(4)
    clock.flush() // the gap is urgent: no wait
    expect(all()[4]).toEqual({ type: 'gap', dropped: 6 })
  })

  test('a held heartbeat replacing another does not count against the bound', () => {
    const { q } = queue({ limit: 2 })
    q.hold(policy)
    q.push(msg(1))
    q.push(beat('sent'))
    q.push(beat('ok'))
    expect(q.dropped).toBe(0)
    expect(q.depth).toBe(2)
  })

  test('a policy that is not { ms > 0, max ≥ 1 } is refused', () => {
    const { q } = queue()
    expect(() => q.hold({ ms: 0, max: 10 })).toThrow(RangeError)
    expect(() => q.hold({ ms: 10, max: 0 })).toThrow(RangeError)
    expect(() => q.hold({ ms: Number.NaN, max: 1 })).toThrow(RangeError)
  })

  test('a closed queue delivers nothing held', () => {
    const { clock, batches, q } = queue()
    q.hold(policy)
    q.push(msg(1))
    q.close()
    q.hold(undefined)
    clock.advance(1000)
    expect(batches).toEqual([])
  })
})
