// The durable outbox of one engine, with MemoryStorage, a TestClock and the scripted socket:
// stored before it is pushed, deleted when the server answers, pushed after the join in
// creation order, never twice while its push is in flight, expired items dropped.

import { describe, expect, test } from 'vitest'
import { answer, durableHarness, msg, pushes, results, TOPIC } from './test-support/durable.ts'

describe('durable sends', () => {
  test('stored, pushed, and deleted when the server acknowledges it; the other tab gets the echo', async () => {
    const h = durableHarness()
    const e = h.engine()
    const a = h.tab(e, 'a')
    const b = h.tab(e, 'b')
    const socket = await h.join()
    const sent = results(a.session.send('s', msg(1), 10_000, { durable: true }))
    await h.settle()
    expect(await h.stored()).toMatchObject([{ topic: TOPIC, payload: msg(1), claim: { by: expect.any(String) } }])
    expect(pushes(socket)).toMatchObject([{ payload: msg(1) }])
    expect(sent.value).toBeUndefined() // ack: true waits for the server
    answer(socket, pushes(socket)[0]!)
    await h.settle()
    expect(sent.value).toBe('ok')
    expect(await h.stored()).toEqual([])
    expect(b.broadcasts()).toEqual([msg(1)])
    expect(a.broadcasts()).toEqual([]) // no `self`
    expect(e.inspect().durable).toEqual({ inFlight: 0, storage: 'memory' })
  })

  test('a send before the join is stored and goes out after it, in creation order', async () => {
    const h = durableHarness()
    const e = h.engine()
    const a = h.tab(e)
    const first = results(a.session.send('s', msg(1), 60_000, { durable: true }))
    const second = results(a.session.send('s', msg(2), 60_000, { durable: true }))
    await h.settle()
    expect((await h.stored()).map((entry) => entry.payload)).toEqual([msg(1), msg(2)])
    const socket = await h.join()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(1), msg(2)])
    for (const push of pushes(socket)) answer(socket, push)
    await h.settle()
    expect([first.value, second.value]).toEqual(['ok', 'ok'])
    expect(await h.stored()).toEqual([])
  })

  test('without ack, the send resolves ok once stored', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine(), 'a', { broadcast: { ack: false } })
    expect(await a.session.send('s', msg(1), 10_000, { durable: true })).toBe('ok')
    expect(await h.stored()).toHaveLength(1)
  })

  test('expired entries are dropped and deleted, the others pushed', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine())
    void a.session.send('s', msg(1), 60_000, { durable: true, ttlMs: 1000 })
    void a.session.send('s', msg(2), 60_000, { durable: true, ttlMs: 120_000 })
    await h.settle()
    h.clock.advance(1000)
    const socket = await h.join()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(2)])
    expect((await h.stored()).map((entry) => entry.payload)).toEqual([msg(2)])
  })

  test('not pushed again while its push is in flight; pushed again once it ended unanswered', async () => {
    const h = durableHarness()
    const e = h.engine({ reconnectAfterMs: () => 100 })
    const a = h.tab(e)
    const first = await h.join()
    const sent = results(a.session.send('s', msg(1), 10_000, { durable: true }))
    await h.settle()
    expect(pushes(first)).toHaveLength(1)
    first.serverClose(1006) // the answer is lost with the socket
    await h.settle()
    h.clock.advance(100)
    const second = await h.join() // rejoined while the first push still waits for its deadline
    expect(pushes(second)).toEqual([])
    expect(e.inspect().durable).toEqual({ inFlight: 1, storage: 'memory' })
    h.clock.advance(10_000) // its deadline: released, and pushed again on the joined channel
    await h.settle()
    expect(sent.value).toBe('timed out')
    expect(pushes(second).map((m) => m.payload)).toEqual([msg(1)])
    answer(second, pushes(second)[0]!)
    await h.settle()
    expect(await h.stored()).toEqual([])
  })

  test('a send repeated with the same id is stored once; after the ack it resolves ok without a push', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine())
    const socket = await h.join()
    void a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' })
    void a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' })
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
    answer(socket, pushes(socket)[0]!)
    await h.settle()
    expect(await a.session.send('s', msg(1), 10_000, { durable: true, id: 'm-1' })).toBe('ok')
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
  })

  test('a refusal from the server deletes it and resolves error', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine())
    const socket = await h.join()
    const sent = results(a.session.send('s', msg(1), 10_000, { durable: true }))
    await h.settle()
    answer(socket, pushes(socket)[0]!, 'error')
    await h.settle()
    expect(sent.value).toBe('error')
    expect(await h.stored()).toEqual([])
  })

  test('refuses what it cannot store: no storage, a binary payload, a bad ttl, over the limit', async () => {
    const h = durableHarness()
    await expect(
      h.tab(h.engine({ storage: undefined as never })).session.send('s', msg(1), 1000, { durable: true }),
    ).rejects.toThrow('need storage')
    const a = h.tab(h.engine({ durableLimit: 1 }), 'a', { broadcast: { ack: false } })
    await expect(
      a.session.send('s', { type: 'broadcast', event: 'b', payload: new ArrayBuffer(2) }, 1000, { durable: true }),
    ).rejects.toThrow(TypeError)
    await expect(a.session.send('s', msg(1), 1000, { durable: true, ttlMs: 0 })).rejects.toThrow('ttlMs')
    await a.session.send('s', msg(1), 1000, { durable: true })
    await expect(a.session.send('s', msg(2), 1000, { durable: true })).rejects.toMatchObject({
      name: 'OutboxFullError',
    })
  })
})
