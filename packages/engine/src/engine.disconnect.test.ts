// A tab's disconnect() (issue #13): realtime-js's socket is closed when `await disconnect()` (or
// `removeAllChannels()`) returns. Here the socket is shared: it closes at once, and the promise
// resolves once it has closed, when no other tab has subscriptions or wants it; else it stays open
// for them and the promise resolves at once. Engine, TestClock and a scripted socket.

import { beforeEach, describe, expect, test } from 'vitest'
import type { Engine } from './engine.ts'
import { CLOSE_WAIT_MS } from './socket-driver.ts'
import { TestClock } from './test-clock.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { recordedTab, scriptedEngine, settle as settleClock, statusesOf } from './test-support/scripted.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const spec = { config: {}, postgres: [], presence: false }

const engine = (): Engine => scriptedEngine(clock, { disconnectOnEmptyChannelsAfterMs: 50_000 })

function tab(e: Engine, id: string) {
  const { session, events } = recordedTab(e, id)
  return { session, statuses: () => statusesOf(events) }
}

const settle = (): Promise<void> => settleClock(clock)

/** A promise's state after the microtasks ran. */
async function state(promise: Promise<unknown>): Promise<'pending' | 'resolved'> {
  let done = false
  void promise.then(() => (done = true))
  await settle()
  return done ? 'resolved' : 'pending'
}

/** Two tabs, each subscribed to its own topic, joined on one open socket. */
async function twoTabs() {
  const e = engine()
  const [a, b] = [tab(e, 'a'), tab(e, 'b')]
  a.session.subscribe('s', 'realtime:a', spec)
  b.session.subscribe('s', 'realtime:b', spec)
  await settle()
  FakeSocket.last.open()
  await settle()
  FakeSocket.last.acceptJoin('realtime:a')
  FakeSocket.last.acceptJoin('realtime:b')
  await settle()
  return { e, a, b, socket: FakeSocket.last }
}

describe("a tab's disconnect()", () => {
  test('another tab still subscribed: the socket stays open for it, and the promise resolves at once', async () => {
    const { e, a, b, socket } = await twoTabs()
    a.session.unsubscribe('s')
    expect(await state(a.session.disconnect())).toBe('resolved')
    expect([e.connection.name, socket.closedWith, b.statuses()]).toEqual(['connected', undefined, ['SUBSCRIBED']])
  })

  test('the last one (its channel still leaving): the socket closes at once; the promise resolves on its close event', async () => {
    const { e, a, b, socket } = await twoTabs()
    b.session.unsubscribe('s')
    await b.session.disconnect()
    a.session.unsubscribe('s') // removeAllChannels: the leave is in flight, unanswered
    const done = a.session.disconnect()
    expect([e.connection.name, socket.closedWith]).toEqual(['disconnected', { code: 1000, reason: 'disconnect' }])
    expect(await state(done)).toBe('pending')
    socket.serverClose(1000)
    expect(await state(done)).toBe('resolved')
    clock.advance(60_000)
    expect([FakeSocket.instances.length, e.inspect().channels]).toEqual([1, []])
  })

  test('no close event: the promise resolves after CLOSE_WAIT_MS', async () => {
    const { a, b } = await twoTabs()
    b.session.unsubscribe('s')
    a.session.unsubscribe('s')
    const done = a.session.disconnect()
    clock.advance(CLOSE_WAIT_MS - 1)
    expect(await state(done)).toBe('pending')
    clock.advance(1)
    expect(await state(done)).toBe('resolved')
  })

  test("the calling tab's own channels do not keep the socket: they get CHANNEL_ERROR and rejoin on its connect()", async () => {
    const e = engine()
    const a = tab(e, 'a')
    a.session.subscribe('s', 'realtime:a', spec)
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:a')
    await settle()
    const done = a.session.disconnect()
    FakeSocket.last.serverClose(1000)
    await done
    clock.advance(60_000) // nothing reconnects by itself
    expect([e.connection.name, FakeSocket.instances.length, a.statuses()]).toEqual([
      'disconnected',
      1,
      ['SUBSCRIBED', 'CHANNEL_ERROR'],
    ])
    a.session.connect()
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:a')
    await settle()
    expect([FakeSocket.instances.length, a.statuses()]).toEqual([2, ['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED']])
  })

  test('another tab that called connect() keeps the socket open', async () => {
    const e = engine()
    const [a, b] = [tab(e, 'a'), tab(e, 'b')]
    b.session.connect()
    a.session.connect()
    await settle()
    FakeSocket.last.open()
    await settle()
    expect(await state(a.session.disconnect())).toBe('resolved')
    expect(e.connection.name).toBe('connected')
    const done = b.session.disconnect()
    expect(e.connection.name).toBe('disconnected')
    FakeSocket.last.serverClose(1000)
    expect(await state(done)).toBe('resolved')
  })
})
