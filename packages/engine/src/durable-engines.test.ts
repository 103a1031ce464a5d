// The durable outbox across engines sharing one storage (reloads, every tab closed,
// several tabs with their own engine) and the per-browser client id.

import { describe, expect, test } from 'vitest'
import { MemoryStorage } from './storage.ts'
import { answer, durableHarness, msg, pushes, TOPIC } from './test-support/durable.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'

describe('durable sends across engines', () => {
  test('the engine disposed before the ack: a new engine with the same storage pushes it once after the join', async () => {
    const h = durableHarness()
    const old = h.engine()
    const a = h.tab(old)
    const oldSocket = await h.join()
    void a.session.send('s', msg(1), 10_000, { durable: true })
    await h.settle()
    expect(pushes(oldSocket)).toHaveLength(1)
    old.dispose() // the last tab closed before the answer came
    await h.settle()
    expect(await h.stored()).toMatchObject([{ payload: msg(1) }])
    expect((await h.stored())[0]!.claim).toBeUndefined() // released on dispose

    const next = h.engine()
    const b = h.tab(next, 'b', { broadcast: { self: true } })
    const socket = await h.join()
    expect(socket).not.toBe(oldSocket)
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(1)])
    answer(socket, pushes(socket)[0]!)
    await h.settle()
    expect(await h.stored()).toEqual([])
    expect(b.broadcasts()).toEqual([msg(1)]) // its sender is gone: every subscription hears it
    socket.serverClose(1006) // a rejoin finds nothing left to push
    h.clock.advance(60_000)
    await h.join()
    expect(pushes(FakeSocket.last)).toEqual([])
  })

  test('two live engines of one storage: the one whose push is in flight keeps it', async () => {
    const h = durableHarness()
    const one = h.engine()
    const a = h.tab(one, 'a')
    const socketOne = await h.join()
    void a.session.send('s', msg(1), 10_000, { durable: true })
    await h.settle()
    const two = h.engine() // another engine of this browser (another tab's dedicated worker)
    h.tab(two, 'b')
    const socketTwo = await h.join()
    expect(pushes(socketOne)).toHaveLength(1)
    expect(pushes(socketTwo)).toEqual([]) // leased to engine one
    answer(socketOne, pushes(socketOne)[0]!)
    await h.settle()
    h.clock.advance(20_000) // engine two looks again when the lease would have ended: nothing left
    await h.settle()
    expect(pushes(socketTwo)).toEqual([])
    expect(await h.stored()).toEqual([])
  })

  test('an entry leased to an engine that died without releasing it goes out when the lease ends', async () => {
    const h = durableHarness()
    const ghost = h.store('ghost')
    await ghost.add(TOPIC, 'm-1', msg(1), 60_000, 'anon')
    await ghost.take(TOPIC, 10, 5000, 'anon') // pushed by a page that was then closed: its lease stays
    h.tab(h.engine())
    const socket = await h.join()
    expect(pushes(socket)).toEqual([])
    h.clock.advance(4999)
    await h.settle()
    expect(pushes(socket)).toEqual([])
    h.clock.advance(1)
    await h.settle()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(1)])
  })
})

describe('client id', () => {
  test('created once per storage and shown in inspect()', async () => {
    const h = durableHarness()
    const first = h.engine()
    const id = await first.clientId()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(first.inspect().clientId).toBe(id)
    expect(await h.engine({ params: { apikey: 'other' } }).clientId()).toBe(id)
    expect(await h.engine({ storage: new MemoryStorage() }).clientId()).not.toBe(id)
    expect(await h.engine({ storage: undefined as never }).clientId()).toBeUndefined()
  })
})
