// A token a tab sets with setAuth is probed before the shared channels get it, and a refused one is
// rolled back (token-check.ts, tab-registry.ts; issue #13), with a TestClock and the scripted socket.

import { beforeEach, describe, expect, test } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import type { Message } from '@shared-realtime/protocol'
import type { Engine, EngineOptions } from './engine.ts'
import type { EngineEvent } from './events.ts'
import { TestClock } from './test-clock.ts'
import { PROBE_TOPIC_PREFIX, TokenRefusedError } from './token-check.ts'
import { answerProbe, recordedTab, scriptedEngine, settle as settleClock } from './test-support/scripted.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const settle = (): Promise<void> => settleClock(clock)
const spec = () => ({ config: {}, postgres: [], presence: false })
const ROOM = 'realtime:room'
const isProbe = (m: Message) => m.topic.startsWith(PROBE_TOPIC_PREFIX)
const probes = (socket: FakeSocket) => socket.sent.filter(isProbe)
const tokenPushes = (socket: FakeSocket) =>
  socket.of('access_token').map((m) => `${m.topic} ${(m.payload as { access_token: string }).access_token}`)
const accessTokenOf = (m: Message | undefined) => (m?.payload as { access_token?: string } | undefined)?.access_token

/** Two tabs on one engine, both subscribed to ROOM, joined with `first` (set by tab a). */
async function joinedPair(options: Partial<EngineOptions> = {}, first = 'good-token') {
  const e: Engine = scriptedEngine(clock, options)
  const a = recordedTab(e, 'a')
  const b = recordedTab(e, 'b')
  await a.session.setAuth(first)
  a.session.subscribe('sa', ROOM, spec())
  b.session.subscribe('sb', ROOM, spec())
  await settle()
  const socket = FakeSocket.last
  socket.open()
  await settle()
  socket.acceptJoin(ROOM)
  await settle()
  a.events.length = 0
  b.events.length = 0
  return { e, a, b, socket }
}

/** setAuth's outcome once settled: 'resolved' or the rejection. */
function outcomeOf(call: Promise<void>): { value: 'pending' | 'resolved' | unknown } {
  const box: { value: 'pending' | 'resolved' | unknown } = { value: 'pending' }
  call.then(
    () => (box.value = 'resolved'),
    (error: unknown) => (box.value = error),
  )
  return box
}

const noEvents = (events: EngineEvent[]) => expect(events).toEqual([])

describe('setAuth probes a new token while channels are joined', () => {
  test('accepted: the probe leaves, then the token is pushed to every joined channel; no tab sees the probe', async () => {
    const { e, a, b, socket } = await joinedPair()
    const done = outcomeOf(a.session.setAuth('new-token'))
    await settle()
    const [join] = probes(socket)
    expect(join).toMatchObject({ event: 'phx_join', payload: { access_token: 'new-token' } })
    expect(join!.payload).toMatchObject({ config: { presence: { enabled: false }, private: false } })
    expect(tokenPushes(socket)).toEqual([]) // not before the probe's answer
    expect(done.value).toBe('pending')

    answerProbe(socket)
    await settle()
    expect(done.value).toBe('resolved')
    expect(probes(socket).map((m) => m.event)).toEqual(['phx_join', 'phx_leave'])
    expect(tokenPushes(socket)).toEqual([`${ROOM} new-token`])
    // the leave's reply and phx_close are the probe's too: dropped, not counted as unroutable
    const leave = probes(socket)[1]!
    socket.message({ ...leave, event: 'phx_reply', payload: { status: 'ok', response: {} } })
    socket.message({ join_ref: leave.join_ref, ref: null, topic: leave.topic, event: 'phx_close', payload: {} })
    await settle()
    noEvents(a.events)
    noEvents(b.events)
    expect(e.counters.unroutable).toBe(0)
    expect(e.inspect().tokenProbes).toEqual({ active: 0, ok: 1, refused: 0, inconclusive: 0 })
    expect(e.inspect().channels.map((c) => c.topic)).toEqual([ROOM])
  })

  test('refused: only the calling tab’s setAuth rejects (token-refused); the token in use stays; no tab hears anything', async () => {
    const { e, a, b, socket } = await joinedPair()
    const done = outcomeOf(a.session.setAuth('forged-token'))
    await settle()
    answerProbe(socket, 'JwtSignatureError: Failed to validate JWT signature')
    await settle()
    expect(done.value).toBeInstanceOf(TokenRefusedError)
    expect(done.value).toMatchObject({
      kind: 'token-refused',
      reason: 'JwtSignatureError: Failed to validate JWT signature',
    })
    expect(tokenPushes(socket)).toEqual([])
    expect(probes(socket).map((m) => m.event)).toEqual(['phx_join']) // nothing to leave
    noEvents(a.events)
    noEvents(b.events)
    expect(e.inspect().channels[0]).toMatchObject({ topic: ROOM, state: 'joined' })
    // the next join still carries the good token
    b.session.subscribe('other', 'realtime:other', spec())
    await settle()
    expect(accessTokenOf(socket.of('phx_join').findLast((m) => m.topic === 'realtime:other'))).toBe('good-token')
  })

  test('an expired or malformed token is refused the same way; another refusal (a rate limit) proves nothing', async () => {
    const { a, socket } = await joinedPair()
    const expired = outcomeOf(a.session.setAuth('expired-token'))
    await settle()
    answerProbe(socket, 'InvalidJWTToken: Token has expired 10 seconds ago')
    await settle()
    expect(expired.value).toMatchObject({ kind: 'token-refused' })

    const limited = outcomeOf(a.session.setAuth('another-token'))
    await settle()
    answerProbe(socket, 'ClientJoinRateLimitReached: Too many joins per second')
    await settle()
    expect(limited.value).toBe('resolved')
    expect(tokenPushes(socket)).toEqual([`${ROOM} another-token`])
  })

  test('no answer within the timeout: the token is applied as before, and the probe is left', async () => {
    const { a, socket } = await joinedPair({ timeout: 3000 })
    const done = outcomeOf(a.session.setAuth('slow-token'))
    await settle()
    clock.advance(2999)
    await settle()
    expect(done.value).toBe('pending')
    clock.advance(1)
    await settle()
    expect(done.value).toBe('resolved')
    expect(probes(socket).map((m) => m.event)).toEqual(['phx_join', 'phx_leave'])
    expect(tokenPushes(socket)).toEqual([`${ROOM} slow-token`])
  })

  test('the socket drops during the probe: the token is applied (the rejoin carries it)', async () => {
    const { a, socket } = await joinedPair()
    const done = outcomeOf(a.session.setAuth('unchecked-token'))
    await settle()
    socket.serverClose(1006)
    await settle()
    expect(done.value).toBe('resolved')
    clock.advance(10_000)
    await settle()
    FakeSocket.last.open()
    await settle()
    expect(accessTokenOf(FakeSocket.last.of('phx_join').at(-1))).toBe('unchecked-token')
  })

  test('no probe while nothing is joined (socket not connected): the token is applied at once', async () => {
    const e = scriptedEngine(clock)
    const a = recordedTab(e, 'a')
    a.session.subscribe('sa', ROOM, spec())
    const done = outcomeOf(a.session.setAuth('first-token'))
    await settle()
    expect(done.value).toBe('resolved')
    FakeSocket.last.open()
    await settle()
    expect(probes(FakeSocket.last)).toEqual([])
    expect(accessTokenOf(FakeSocket.last.of('phx_join')[0])).toBe('first-token')
  })

  test('the same token again, or the last good one, is not probed', async () => {
    const { a, socket } = await joinedPair()
    await a.session.setAuth('good-token')
    await settle()
    expect(probes(socket)).toEqual([])
  })

  test('the probe spends a token of the join budget, and waits for one like any join', async () => {
    const { a, socket } = await joinedPair({ joinBurst: 1, joinsPerSecond: 2 })
    const done = outcomeOf(a.session.setAuth('new-token'))
    await settle()
    expect(probes(socket)).toEqual([]) // the room's join spent the only token
    clock.advance(499)
    await settle()
    expect(probes(socket)).toEqual([])
    clock.advance(1)
    await settle()
    expect(probes(socket).map((m) => m.event)).toEqual(['phx_join'])
    answerProbe(socket)
    await settle()
    expect(done.value).toBe('resolved')
  })

  test('at the channel limit there is no room for a probe: applied unchecked; the probe counts as a channel', async () => {
    const { a, b, socket } = await joinedPair({ maxChannels: 2 })
    const first = outcomeOf(a.session.setAuth('token-1'))
    await settle()
    expect(probes(socket)).toHaveLength(1)
    // while the probe lasts, it takes the second channel: a new topic is refused
    b.session.subscribe('extra', 'realtime:extra', spec())
    await settle()
    expect(b.events).toMatchObject([{ type: 'status', sub: 'extra', status: 'CHANNEL_ERROR' }])
    answerProbe(socket)
    await settle()
    expect(first.value).toBe('resolved')
    b.session.subscribe('extra2', 'realtime:extra2', spec())
    await settle()
    const second = outcomeOf(a.session.setAuth('token-2'))
    await settle()
    expect(second.value).toBe('resolved')
    expect(probes(socket).filter((m) => m.event === 'phx_join')).toHaveLength(1)
  })

  test('a later auth action wins over a probe still in flight', async () => {
    const { a, b, socket } = await joinedPair()
    const first = outcomeOf(a.session.setAuth('token-a'))
    await settle()
    const second = outcomeOf(b.session.setAuth('token-b'))
    await settle()
    const [joinA, joinB] = probes(socket)
    // b's probe is answered first, then a's: a's token must not replace b's
    socket.message({ ...joinB!, event: 'phx_reply', payload: { status: 'ok', response: {} } })
    socket.message({ ...joinA!, event: 'phx_reply', payload: { status: 'ok', response: {} } })
    await settle()
    expect([first.value, second.value]).toEqual(['resolved', 'resolved'])
    expect(tokenPushes(socket)).toEqual([`${ROOM} token-b`])
  })
})

test('a later setAuth that is refused does not stop an earlier one, still probing, from applying', async () => {
  const { a, b, socket } = await joinedPair()
  const first = outcomeOf(a.session.setAuth('token-a'))
  await settle()
  const second = outcomeOf(b.session.setAuth('forged-token'))
  await settle()
  const [joinA, joinB] = probes(socket)
  const refusal = { status: 'error', response: { reason: 'JwtSignatureError: Failed to validate JWT signature' } }
  socket.message({ ...joinB!, event: 'phx_reply', payload: refusal })
  socket.message({ ...joinA!, event: 'phx_reply', payload: { status: 'ok', response: {} } })
  await settle()
  expect(first.value).toBe('resolved')
  expect(second.value).toBeInstanceOf(TokenRefusedError)
  expect(tokenPushes(socket)).toEqual([`${ROOM} token-a`])
})

test('a setAuth(null) made while a token is probed wins over it', async () => {
  const { a, b, socket } = await joinedPair()
  const first = outcomeOf(a.session.setAuth('token-a'))
  await settle()
  await b.session.setAuth(null)
  answerProbe(socket)
  await settle()
  expect(first.value).toBe('resolved')
  expect(tokenPushes(socket)).toEqual([])
})

describe('a token refused on the joined channels anyway is rolled back', () => {
  /** The server's answer to a bad access_token push on `topic`: a system error, then phx_close (PROTOCOL.md §3.3). */
  function shutDown(socket: FakeSocket, topic: string, message: string): void {
    const join = socket.of('phx_join').findLast((m) => m.topic === topic)!
    const at = { join_ref: join.join_ref, ref: null, topic }
    socket.message({
      ...at,
      event: 'system',
      payload: { extension: 'system', status: 'error', message, channel: 'room' },
    })
    socket.message({ ...at, event: 'phx_close', payload: {} })
  }

  test('pushed unchecked, shut down by the server: back to the last good token, rejoined; only the setter hears why', async () => {
    const { e, a, b, socket } = await joinedPair({ timeout: 1000 })
    const done = outcomeOf(a.session.setAuth('forged-token'))
    await settle()
    clock.advance(1000) // the probe goes unanswered
    await settle()
    expect(done.value).toBe('resolved')
    expect(tokenPushes(socket)).toEqual([`${ROOM} forged-token`])

    shutDown(socket, ROOM, ':signature_error') // what Realtime sends after a push with a bad signature
    await settle()
    const rejoin = socket.of('phx_join').findLast((m) => m.topic === ROOM)!
    expect(socket.of('phx_join').filter((m) => m.topic === ROOM)).toHaveLength(2)
    expect(accessTokenOf(rejoin)).toBe('good-token')
    socket.acceptJoin(ROOM)
    await settle()
    expect(e.inspect().channels[0]).toMatchObject({ state: 'joined' })
    const systemErrors = (events: EngineEvent[]) =>
      events.flatMap((ev) =>
        ev.type === 'system' && ev.payload.status === 'error' ? [ev.payload as { message: string }] : [],
      )
    // both tabs see the server's shutdown (it closed the shared channel) and the rejoin
    for (const tab of [a, b]) {
      expect(tab.events.filter((ev) => ev.type === 'status').map((ev) => ev.type === 'status' && ev.status)).toEqual([
        'CHANNEL_ERROR',
        'SUBSCRIBED',
      ])
    }
    // the server's own system error reaches both; the rollback notice only the tab that set the token
    expect(systemErrors(b.events).map((p) => p.message)).toEqual([':signature_error'])
    expect(systemErrors(a.events).map((p) => p.message)).toEqual([
      ':signature_error',
      expect.stringContaining('the server refused the token set with setAuth()'),
    ])
  })

  test('a token the probe accepted is the last good one: a later refused token rolls back to it', async () => {
    const { a, socket } = await joinedPair({ timeout: 1000 })
    const second = outcomeOf(a.session.setAuth('second-token'))
    await settle()
    answerProbe(socket)
    await settle()
    expect(second.value).toBe('resolved')
    const forged = outcomeOf(a.session.setAuth('forged-token'))
    await settle()
    clock.advance(1000) // unanswered: applied unchecked
    await settle()
    expect(forged.value).toBe('resolved')
    shutDown(socket, ROOM, ':signature_error')
    await settle()
    expect(accessTokenOf(socket.of('phx_join').findLast((m) => m.topic === ROOM))).toBe('second-token')
  })

  test('a join refused for a token set while the socket was down: rolled back, the channel joins', async () => {
    const { a, b, socket } = await joinedPair()
    socket.serverClose(1006)
    await settle()
    await a.session.setAuth('forged-token') // no probe: not connected
    clock.advance(10_000) // the reconnect backoff
    await settle()
    const second = FakeSocket.last
    expect(second).not.toBe(socket)
    second.open()
    await settle()
    const join = second.of('phx_join').at(-1)!
    expect(accessTokenOf(join)).toBe('forged-token')
    second.message({
      join_ref: join.join_ref,
      ref: join.ref,
      topic: ROOM,
      event: 'phx_reply',
      payload: { status: 'error', response: { reason: 'JwtSignatureError: Failed to validate JWT signature' } },
    })
    await settle()
    const rejoin = second.of('phx_join').at(-1)!
    expect(accessTokenOf(rejoin)).toBe('good-token')
    second.acceptJoin(ROOM)
    await settle()
    expect(b.events.filter((ev) => ev.type === 'system')).toMatchObject([{ payload: { message: 'resubscribed' } }])
    expect(
      a.events.filter((ev) => ev.type === 'system').map((ev) => (ev.payload as { message: string }).message),
    ).toEqual([expect.stringContaining('the server refused the token set with setAuth()'), 'resubscribed'])
  })

  test('with no good token known (nothing ever joined), a refusal ends as before: failed', async () => {
    const e = scriptedEngine(clock)
    const a = recordedTab(e, 'a')
    await a.session.setAuth('forged-token')
    a.session.subscribe('sa', ROOM, spec())
    await settle()
    const socket = FakeSocket.last
    socket.open()
    await settle()
    const refuse = () => {
      const join = socket.of('phx_join').at(-1)!
      const payload = { status: 'error', response: { reason: 'JwtSignatureError: Failed to validate JWT signature' } }
      socket.message({ join_ref: join.join_ref, ref: join.ref, topic: ROOM, event: 'phx_reply', payload })
    }
    refuse()
    await settle()
    refuse()
    await settle()
    expect(e.inspect().channels[0]).toMatchObject({ state: 'failed' })
    expect(socket.of('phx_join').map(accessTokenOf)).toEqual(['forged-token', 'forged-token'])
  })
})
