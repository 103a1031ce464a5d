// The durable outbox against a server that refuses (issue #13), with MemoryStorage, a TestClock
// and the scripted socket: an error reply fails the item at once; a 1009 close or silence is a
// strike and the second strike fails it; a failed item is deleted, never pushed again, and
// reported to every subscription as a `system` event. Items belong to the identity of the token
// that stored them; clearDurable() deletes them all; inspect() names the storage.

import { describe, expect, test } from 'vitest'
import { DurableStore } from './durable.ts'
import type { EngineEvent } from './events.ts'
import { TestLogSink } from './logger.ts'
import { durableHarness, ENDPOINT, msg, pushes, results, TOPIC } from './test-support/durable.ts'
import { answerProbe } from './test-support/scripted.ts'

const failures = (events: EngineEvent[]) =>
  events.flatMap((e) =>
    e.type === 'system' && String((e.payload as { message?: unknown }).message).startsWith('durable send failed')
      ? [e.payload]
      : [],
  )

/** An unsigned JWT with these claims (the engine reads them without verifying). */
const jwt = (claims: Record<string, unknown>) =>
  `e30.${Buffer.from(JSON.stringify({ exp: 4_000_000_000, ...claims })).toString('base64url')}.sig`

describe('durable sends the server refuses', () => {
  test('an error reply (payload too large): pushed once, deleted, the sender gets error, every tab the reason', async () => {
    const h = durableHarness()
    const e = h.engine({ reconnectAfterMs: () => 100 })
    const a = h.tab(e, 'a')
    const b = h.tab(e, 'b')
    const socket = await h.join()
    const sent = results(a.session.send('s', msg(1), 10_000, { durable: true, id: 'big' }))
    await h.settle()
    const push = pushes(socket)[0]!
    socket.message({
      join_ref: push.join_ref,
      ref: push.ref,
      topic: TOPIC,
      event: 'phx_reply',
      payload: { status: 'error', response: 'payload_size_exceeded' },
    })
    await h.settle()
    expect(sent.value).toBe('error')
    expect(await h.stored()).toEqual([])
    const reported = {
      extension: 'system',
      status: 'error',
      message: 'durable send failed: payload_size_exceeded',
      channel: 'room',
      durable: { id: 'big', reason: 'payload_size_exceeded' },
    }
    expect(failures(a.events)).toEqual([reported])
    expect(failures(b.events)).toEqual([reported])
    // the same send again (a tab whose worker died mid-command repeats it): error, no push
    expect(await a.session.send('s', msg(1), 10_000, { durable: true, id: 'big' })).toBe('error')
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
    socket.serverClose(1006) // a rejoin pushes nothing
    h.clock.advance(100)
    const again = await h.join()
    expect(pushes(again)).toEqual([])
  })

  test('closed 1009 while its push waited: pushed twice at most, then deleted and reported', async () => {
    const h = durableHarness()
    const e = h.engine({ reconnectAfterMs: () => 100 })
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    let socket = await h.join()
    expect(await a.session.send('s', msg(1), 10_000, { durable: true, id: 'huge' })).toBe('ok')
    await h.settle()
    let total = 0
    for (let round = 0; round < 5; round++) {
      total += pushes(socket).length
      if (pushes(socket).length > 0) socket.serverClose(1009)
      await h.settle()
      h.clock.advance(10_000) // the push's deadline, then a reconnect and a rejoin
      await h.settle()
      socket = await h.join()
    }
    expect(total).toBe(2)
    expect(await h.stored()).toEqual([])
    expect(failures(a.events)).toEqual([
      expect.objectContaining({
        durable: { id: 'huge', reason: 'the server closed the socket 1009 (frame too large)' },
      }),
    ])
  })

  test('a 1009 strike is written at once: after a reload, one more 1009 fails it', async () => {
    const h = durableHarness()
    const first = h.engine()
    const a = h.tab(first, 'a', { broadcast: { ack: false } })
    const socket = await h.join()
    await a.session.send('s', msg(1), 10_000, { durable: true })
    await h.settle()
    socket.serverClose(1009)
    await h.settle()
    expect(await h.stored()).toMatchObject([{ strikes: 1 }])
    first.dispose() // the tab reloads: its lease is released
    await h.settle()
    const b = h.tab(h.engine(), 'b')
    const next = await h.join()
    expect(pushes(next)).toHaveLength(1)
    next.serverClose(1009)
    await h.settle()
    h.clock.advance(10_000)
    await h.settle()
    expect(await h.stored()).toEqual([])
    expect(failures(b.events)).toHaveLength(1)
  })

  test('no answer while the socket stays up (a write the server drops): pushed twice, then failed', async () => {
    const h = durableHarness()
    const a = h.tab(h.engine(), 'a')
    const socket = await h.join()
    const sent = results(a.session.send('s', msg(1), 10_000, { durable: true }))
    await h.settle()
    for (let i = 0; i < 4; i++) {
      h.clock.advance(10_000)
      await h.settle()
    }
    expect(pushes(socket)).toHaveLength(2)
    expect(sent.value).toBe('timed out') // its first push's deadline
    expect(await h.stored()).toEqual([])
    expect(failures(a.events)).toEqual([
      expect.objectContaining({ durable: { id: expect.any(String), reason: 'no answer from the server' } }),
    ])
  })

  test('a push cut short by the last unsubscribe is no strike', async () => {
    const h = durableHarness()
    const e = h.engine()
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    const socket = await h.join()
    await a.session.send('s', msg(1), 10_000, { durable: true })
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
    a.session.unsubscribe('s')
    await h.settle()
    expect(await h.stored()).toMatchObject([{ payload: msg(1) }])
    expect((await h.stored())[0]!.strikes).toBeUndefined()
  })

  test('a socket lost for another reason (1006) is no strike: the item waits for an answer as before', async () => {
    const h = durableHarness()
    const e = h.engine({ reconnectAfterMs: () => 100 })
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    let socket = await h.join()
    await a.session.send('s', msg(1), 10_000, { durable: true })
    for (let i = 0; i < 3; i++) {
      await h.settle()
      socket.serverClose(1006)
      await h.settle()
      h.clock.advance(10_000)
      socket = await h.join()
    }
    expect(await h.stored()).toMatchObject([{ payload: msg(1) }])
    expect((await h.stored())[0]!.strikes).toBeUndefined()
  })
})

describe('durable items belong to an identity', () => {
  test('stored under the token of user X; sent only under X, never after a switch to Y or anon', async () => {
    const h = durableHarness()
    const e = h.engine()
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    const x = jwt({ role: 'authenticated', sub: 'user-x' })
    const y = jwt({ role: 'authenticated', sub: 'user-y' })
    await a.session.setAuth(x)
    await a.session.send('s', msg(1), 60_000, { durable: true }) // before the join: stored for X
    await h.settle()
    expect(await h.stored()).toMatchObject([{ identity: 'authenticated:user-x' }])
    await a.session.setAuth(y) // sign-out, then Y signs in
    const socket = await h.join()
    expect(pushes(socket)).toEqual([])
    await a.session.send('s', msg(2), 60_000, { durable: true }) // Y's own goes out
    await h.settle()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(2)])
    await a.session.setAuth(null)
    await h.settle()
    expect(pushes(socket)).toHaveLength(1)
    const back = a.session.setAuth(x) // X is back (its token probed first): its item goes out under its token
    await h.settle()
    answerProbe(socket)
    await back
    await h.settle()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(2), msg(1)])
  })

  test('stored anonymously while a user is signed in elsewhere: goes out once signed out (no token)', async () => {
    const h = durableHarness()
    const anonymous = h.store('another-engine')
    await anonymous.add(TOPIC, 'anon-1', msg(7), 60_000, 'anon')
    const e = h.engine()
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    await a.session.setAuth(jwt({ role: 'authenticated', sub: 'user-x' }))
    const socket = await h.join()
    expect(pushes(socket)).toEqual([])
    await a.session.setAuth(null)
    await h.settle()
    expect(pushes(socket).map((m) => m.payload)).toEqual([msg(7)])
  })

  test('items stored without an identity (before this version) are dropped, not sent', async () => {
    const h = durableHarness()
    await h.storage.set(JSON.stringify(['outbox', ENDPOINT, TOPIC]), [
      { id: 'old', topic: TOPIC, payload: msg(1), createdAt: 0, expiresAt: 60_000 },
    ])
    h.tab(h.engine())
    const socket = await h.join()
    expect(pushes(socket)).toEqual([])
    expect(await h.stored()).toEqual([])
  })
})

describe('clearDurable() and the storage in use', () => {
  test('clearDurable() deletes every identity’s items of every project and says how many', async () => {
    const h = durableHarness()
    const other = new DurableStore({
      storage: h.storage,
      namespace: 'ws://other/realtime/v1',
      clock: h.clock,
      logger: new TestLogSink(),
      owner: 'o',
      limit: 10,
    })
    await other.add('realtime:x', 'o-1', msg(9), 60_000, 'authenticated:user-x')
    const e = h.engine()
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    await a.session.send('s', msg(1), 60_000, { durable: true })
    await a.session.send('s', msg(2), 60_000, { durable: true })
    expect(await e.clearDurable()).toBe(3)
    expect(await h.stored()).toEqual([])
    expect(await other.entries('realtime:x')).toEqual([])
    expect(await e.clearDurable()).toBe(0)
    const socket = await h.join()
    expect(pushes(socket)).toEqual([])
  })

  test('inspect() names the storage; a send kept in memory only warns once', async () => {
    const h = durableHarness()
    const logger = new TestLogSink()
    const e = h.engine({ logger })
    expect(e.inspect().durable).toEqual({ inFlight: 0, storage: 'memory' })
    const a = h.tab(e, 'a', { broadcast: { ack: false } })
    expect(await a.session.send('s', msg(1), 60_000, { durable: true })).toBe('ok')
    expect(await a.session.send('s', msg(2), 60_000, { durable: true })).toBe('ok')
    expect(logger.lines.filter((l) => l.level === 'warn' && l.message.includes('in memory only'))).toHaveLength(1)
    const custom = h.engine({
      storage: {
        get: async () => undefined,
        set: async () => {},
        delete: async () => {},
        update: async () => undefined,
      },
    })
    expect(custom.inspect().durable?.storage).toBe('custom')
    await expect(custom.clearDurable()).rejects.toThrow('Storage.keys')
    expect(h.engine({ storage: undefined as never }).inspect().durable).toBeNull()
  })
})
