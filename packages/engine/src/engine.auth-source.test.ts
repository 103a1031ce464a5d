// realtime-js 2.112.1: with an accessToken callback, setAuth(token) uses the token now but the callback stays the
// source of truth. Here: a token set by a tab that registered a provider is not pinned; the engine's next refresh
// (a connect, the server's expiry notice) asks the providers again. A tab without a provider keeps the manual
// token (decision 20). With a TestClock and the scripted socket; the token probe (decision 65) still runs.

import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import type { Message } from '@shared-realtime/protocol'
import { beforeEach, describe, expect, test } from 'vitest'
import { TestClock } from './test-clock.ts'
import { TokenRefusedError } from './token-check.ts'
import { answerProbe, recordedTab, scriptedEngine, settle as settleClock } from './test-support/scripted.ts'
import type { Session } from './session.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const settle = (): Promise<void> => settleClock(clock)
const spec = () => ({ config: {}, postgres: [], presence: false })
const ROOM = 'realtime:room'
const accessTokenOf = (m: Message | undefined) => (m?.payload as { access_token?: string } | undefined)?.access_token
/** The access_token of every join on ROOM, over every socket, in order. */
const roomJoins = () =>
  FakeSocket.instances.flatMap((s) =>
    s
      .of('phx_join')
      .filter((m) => m.topic === ROOM)
      .map(accessTokenOf),
  )

/** A provider answering `p.answer` (the test changes it), counting its calls. */
function provider(answer: string) {
  const p = { answer, calls: 0, fn: () => Promise.resolve((p.calls++, p.answer)) }
  return p
}

/** One tab subscribed to ROOM; the socket opened and the first join accepted. */
async function joined(setup: (session: Session) => void) {
  const e = scriptedEngine(clock)
  const t = recordedTab(e, 'tab')
  setup(t.session)
  t.session.subscribe('s', ROOM, spec())
  await settle()
  FakeSocket.last.open()
  await settle()
  FakeSocket.last.acceptJoin(ROOM)
  await settle()
  return { e, t }
}

/** The socket drops; the engine reconnects after its backoff and rejoins ROOM. */
async function reconnect() {
  FakeSocket.last.serverClose(1006)
  await settle()
  clock.advance(10_000)
  await settle()
  FakeSocket.last.open()
  await settle()
}

describe('setAuth(token) from a tab with an accessToken provider (realtime-js 2.112.1)', () => {
  test('the token is used now (pushed, after its probe); the next connect asks the provider again', async () => {
    const p = provider('from-callback-1')
    const { t } = await joined((s) => s.setTokenProvider(p.fn))
    expect(roomJoins()).toEqual(['from-callback-1'])
    const done = t.session.setAuth('explicit')
    await settle()
    answerProbe(FakeSocket.last) // the probe (decision 65) still checks the token first
    await done
    expect(FakeSocket.last.of('access_token').map(accessTokenOf)).toEqual(['explicit'])
    // a join now carries the explicit token
    t.session.subscribe('s2', 'realtime:other', spec())
    await settle()
    expect(accessTokenOf(FakeSocket.last.of('phx_join').at(-1))).toBe('explicit')

    const asked = p.calls
    p.answer = 'from-callback-2'
    await reconnect()
    expect({ joins: roomJoins(), asked: p.calls - asked }).toEqual({
      joins: ['from-callback-1', 'from-callback-2'],
      asked: 1,
    })
  })

  test("the server's expiry notice asks the provider, not the explicit token again", async () => {
    const p = provider('from-callback-1')
    const { t } = await joined((s) => s.setTokenProvider(p.fn))
    const done = t.session.setAuth('explicit')
    await settle()
    answerProbe(FakeSocket.last)
    await done
    const asked = p.calls
    p.answer = 'from-callback-2'
    // a token shutdown: system error, then phx_close for the joined channel
    const join = FakeSocket.last.of('phx_join').findLast((m) => m.topic === ROOM)!
    const message = 'Token has expired 0 seconds ago'
    const system = { extension: 'system', status: 'error', message, channel: 'room' }
    FakeSocket.last.message({ join_ref: join.join_ref, ref: null, topic: ROOM, event: 'system', payload: system })
    FakeSocket.last.message({
      join_ref: join.join_ref,
      ref: join.join_ref,
      topic: ROOM,
      event: 'phx_close',
      payload: {},
    })
    await settle()
    clock.advance(10_000)
    await settle()
    expect({ last: roomJoins().at(-1), asked: p.calls - asked }).toEqual({ last: 'from-callback-2', asked: 1 })
  })

  test('a refused token still rejects and leaves the token in use', async () => {
    const p = provider('from-callback')
    const { t } = await joined((s) => s.setTokenProvider(p.fn))
    const done = t.session.setAuth('forged').catch((error: unknown) => error)
    await settle()
    answerProbe(FakeSocket.last, 'JwtSignatureError: Failed to validate JWT signature')
    expect(await done).toBeInstanceOf(TokenRefusedError)
    expect(FakeSocket.last.of('access_token')).toEqual([])
  })
})

describe('setAuth(token) from a tab without a provider: a manual token, as before', () => {
  test('the reconnect rejoins with it and no provider of another tab is asked', async () => {
    const p = provider('from-callback')
    const e = scriptedEngine(clock)
    const other = recordedTab(e, 'other')
    other.session.setTokenProvider(p.fn)
    const t = recordedTab(e, 'tab')
    await t.session.setAuth('manual')
    t.session.subscribe('s', ROOM, spec())
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin(ROOM)
    await settle()
    const asked = p.calls
    await reconnect()
    expect({ joins: roomJoins(), asked: p.calls - asked }).toEqual({ joins: ['manual', 'manual'], asked: 0 })
  })
})
