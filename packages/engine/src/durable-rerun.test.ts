// A durable send run again on a new engine (the tab's link reruns a command whose worker or leader tab died, with the
// same id) while that engine's outbox already pushes the stored item (it resumed it at the join): the rerun's answer
// must be the push's answer, whatever the order of the storage's transactions and the server's reply. The storage here
// holds back the completion of the rerun's `add` (its transaction served, its completion event not yet delivered, as
// an IndexedDB transaction may be while the server's reply arrives), on a TestClock.

import { describe, expect, test } from 'vitest'
import type { Storage } from './storage.ts'
import { answer, durableHarness, msg, pushes, results, TOPIC } from './test-support/durable.ts'

/** A MemoryStorage whose updates, while `hold` is on, run at once but resolve only at `release()`. */
class HeldStorage implements Storage {
  readonly kind = 'memory'
  hold = false
  readonly #inner: Storage
  #held: Array<() => void> = []
  constructor(inner: Storage) {
    this.#inner = inner
  }
  get<T>(key: string) {
    return this.#inner.get<T>(key)
  }
  set(key: string, value: unknown) {
    return this.#inner.set(key, value)
  }
  delete(key: string) {
    return this.#inner.delete(key)
  }
  keys() {
    return this.#inner.keys!()
  }
  update<T>(key: string, fn: (current: T | undefined) => T | undefined): Promise<T | undefined> {
    const done = this.#inner.update(key, fn)
    if (!this.hold) return done
    return new Promise((resolve) => this.#held.push(() => resolve(done)))
  }
  release(): void {
    const held = this.#held
    this.#held = []
    for (const go of held) go()
  }
}

describe('a durable send run again while its stored item is pushed', () => {
  test("its add is served before the server's reply and completes after it: answered 'ok' at once", async () => {
    const h = durableHarness()
    // stored by the engine of a leader tab that crashed before its channel joined (never claimed)
    await h.store('dead leader').add(TOPIC, 'm-1', msg(1), 60_000, 'anon')
    const storage = new HeldStorage(h.storage)
    const e = h.engine({ storage })
    const a = h.tab(e, 'a')
    const socket = await h.join() // the new engine resumes the stored item at the join
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(1)])
    storage.hold = true
    const rerun = results(a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' }))
    await h.settle() // the rerun's add has read the item: live, 'stored already'
    answer(socket, pushes(socket)[0]!) // the server's reply arrives before the add's completion
    await h.settle()
    storage.hold = false
    storage.release()
    await h.settle()
    expect(rerun.value).toBe('ok')
    expect(await h.stored()).toEqual([])
    expect(pushes(socket)).toHaveLength(1)
    expect(e.inspect().channels[0]?.outbox).toMatchObject({ durableWaiting: 0 })
  })

  test('two sends of one id waiting at once: both answered by the one push', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine())
    const socket = await h.join()
    const first = results(a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' }))
    const second = results(a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' }))
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
    answer(socket, pushes(socket)[0]!)
    await h.settle()
    expect([first.value, second.value]).toEqual(['ok', 'ok'])
  })
})
