// The engine with a TestClock and a scripted socket: what the machines decide,
// carried out on a socket, without sleeping.

import { beforeEach, describe, expect, test } from 'vitest'
import { Engine, type EngineOptions } from './engine.ts'
import { TestClock } from './test-clock.ts'
import type { EngineEvent } from './events.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { recordedTab, scriptedEngine, settle as settleClock, statusesOf } from './test-support/scripted.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const engine = (options: Partial<EngineOptions> = {}): Engine => scriptedEngine(clock, options)

function tab(e: Engine, id = 'tab') {
  const { session, events } = recordedTab(e, id)
  return { session, events, statuses: () => statusesOf(events) }
}

/** Lets promise continuations run (token requests), then fires timers due now. */
const settle = (): Promise<void> => settleClock(clock)

const spec = { config: {}, postgres: [], presence: false }

describe('Engine', () => {
  test("builds realtime-js's URL and refuses to start without an apikey", () => {
    expect(engine().url).toBe('ws://realtime.test/realtime/v1/websocket?apikey=anon&vsn=2.0.0')
    expect(() => new Engine({ endPoint: 'ws://x', params: {} as never, transport: FakeSocket })).toThrow(
      'API key is required',
    )
  })

  test('opens one socket however many sessions subscribe', async () => {
    const e = engine()
    for (const id of ['a', 'b', 'c']) tab(e, id).session.subscribe('s', 'realtime:one', spec)
    await settle()
    expect(FakeSocket.instances).toHaveLength(1)
  })

  test('joins once the socket is open and the token has settled', async () => {
    const e = engine()
    let resolveToken!: (t: string) => void
    const t = tab(e)
    t.session.setTokenProvider(() => new Promise<string>((resolve) => (resolveToken = resolve)))
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    await settle()
    expect(FakeSocket.last.of('phx_join')).toEqual([]) // the token request is still in flight
    resolveToken('user-jwt')
    await settle()
    expect(FakeSocket.last.of('phx_join')).toMatchObject([
      { topic: 'realtime:room', payload: { access_token: 'user-jwt' } },
    ])
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    expect(t.statuses()).toEqual(['SUBSCRIBED'])
  })

  test('a refused upgrade (401) ends in failed, with no retry', async () => {
    const e = engine()
    const t = tab(e)
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.refuse(401)
    await settle()
    clock.advance(60_000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(e.connection).toEqual({ name: 'failed', error: { kind: 'refused', status: 401 } })
    expect(t.events.at(-1)).toMatchObject({
      type: 'connection',
      state: 'failed',
      error: { kind: 'connect-refused', retryable: false },
    })
  })

  test('a closed socket is reopened after the backoff, and the channel rejoins', async () => {
    const e = engine({ reconnectAfterMs: () => 1000 })
    const t = tab(e)
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    FakeSocket.last.serverClose(1006)
    await settle()
    expect(t.statuses()).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR'])
    clock.advance(999)
    expect(FakeSocket.instances).toHaveLength(1)
    clock.advance(1)
    expect(FakeSocket.instances).toHaveLength(2)
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    expect(t.statuses()).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED'])
    expect(
      t.events.some((ev) => ev.type === 'system' && (ev.payload as { message?: string }).message === 'resubscribed'),
    ).toBe(true)
  })

  test('networkOnline() reconnects at once while waiting out a backoff, but not after a rate-limit close', async () => {
    const e = engine({ reconnectAfterMs: () => 10_000 })
    const t = tab(e)
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    e.networkOnline() // connecting: nothing to hurry
    expect(FakeSocket.instances).toHaveLength(1)
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    e.networkOnline() // connected: no effect
    FakeSocket.last.serverClose(1006)
    await settle()
    expect(e.connection.name).toBe('reconnecting')
    e.networkOnline()
    expect(FakeSocket.instances).toHaveLength(2) // no 10 s wait
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    expect(t.statuses()).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED'])
    clock.advance(10_000)
    expect(FakeSocket.instances).toHaveLength(2) // the cancelled backoff timer does not open another

    FakeSocket.last.serverClose(1001, 'ClientJoinRateLimitReached')
    await settle()
    e.networkOnline()
    expect(FakeSocket.instances).toHaveLength(2) // the server asked to slow down: wait
  })

  test('a token refused again after the refresh fails the channel with a non-retryable error', async () => {
    const e = engine()
    const t = tab(e)
    t.session.setTokenProvider(async () => 'eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoiYXV0aGVudGljYXRlZCJ9.c2ln')
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    for (let i = 0; i < 2; i++) {
      await settle()
      const join = FakeSocket.last.of('phx_join').at(-1)!
      const reason = 'InvalidJWTToken: Token has expired 10 seconds ago'
      FakeSocket.last.message({
        join_ref: join.join_ref,
        ref: join.ref,
        topic: 'realtime:room',
        event: 'phx_reply',
        payload: { status: 'error', response: { reason } },
      })
    }
    await settle()
    clock.advance(60_000)
    expect(FakeSocket.instances.flatMap((socket) => socket.of('phx_join'))).toHaveLength(2)
    const errors = t.events.flatMap((ev) => (ev.type === 'status' ? [ev.error] : []))
    expect(errors).toMatchObject([
      { kind: 'join-refused:InvalidJWTToken', retryable: true },
      { kind: 'join-refused:InvalidJWTToken', retryable: false },
    ])
  })

  test('counts and drops undecodable frames without throwing', async () => {
    const e = engine()
    tab(e).session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    FakeSocket.last.raw('not json')
    FakeSocket.last.raw(new Uint8Array([4, 200]).buffer)
    FakeSocket.last.raw({ weird: true })
    expect(e.counters.decodeErrors).toBe(3)
  })

  test('closes the socket disconnectOnEmptyChannelsAfterMs after the last channel is gone', async () => {
    const e = engine({ disconnectOnEmptyChannelsAfterMs: 5000 })
    const t = tab(e)
    t.session.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    await settle()
    t.session.unsubscribe('s')
    const leave = FakeSocket.last.of('phx_leave')[0]!
    FakeSocket.last.message({
      join_ref: leave.join_ref,
      ref: leave.ref,
      topic: 'realtime:room',
      event: 'phx_reply',
      payload: { status: 'ok', response: {} },
    })
    await settle()
    clock.advance(4999)
    expect(FakeSocket.last.closedWith).toBeUndefined()
    clock.advance(1)
    expect(FakeSocket.last.closedWith).toBeDefined()
    expect(e.connection.name).toBe('disconnected')
  })

  test('a session that stops draining gets a gap event once it drains again', async () => {
    const e = engine()
    const received: EngineEvent[] = []
    const slow = e.attach('slow', (batch) => received.push(...batch), { queueLimit: 4 })
    slow.subscribe('s', 'realtime:room', spec)
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:room')
    for (let i = 0; i < 10; i++) {
      FakeSocket.last.message({
        join_ref: null,
        ref: null,
        topic: 'realtime:room',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: i },
      })
    }
    clock.flush()
    const delivered = received.length
    expect(delivered).toBeLessThanOrEqual(4)
    slow.ack(delivered)
    clock.flush()
    expect(received[delivered]).toMatchObject({ type: 'gap' })
    expect((received[delivered] as { dropped: number }).dropped).toBeGreaterThan(0)
  })
})
