// The socket's guards in the engine (guards.ts, DESIGN.md rule 14), with a TestClock and the
// scripted socket: the frames that go out when tabs ask for more than the server allows.

import { beforeEach, describe, expect, test } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import type { Engine, EngineOptions } from './engine.ts'
import { PayloadTooLargeError } from './guards.ts'
import { TestClock } from './test-clock.ts'
import { answer, durableHarness, results, TOPIC } from './test-support/durable.ts'
import { recordedTab, scriptedEngine, settle as settleClock } from './test-support/scripted.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const engine = (options: Partial<EngineOptions> = {}): Engine => scriptedEngine(clock, options)

function tab(e: Engine, id = 'tab') {
  const { session, events } = recordedTab(e, id)
  const statuses = () => events.flatMap((ev) => (ev.type === 'status' ? [`${ev.sub} ${ev.status}`] : []))
  return { session, events, statuses }
}

const settle = (): Promise<void> => settleClock(clock)

const spec = (config: Record<string, unknown> = {}) => ({ config, postgres: [], presence: false })
const topics = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `realtime:t${from + i}`)

describe('joins are paced under the server’s join rate', () => {
  test('150 subscribes at once: 10 joins go out, then one per 20 ms; the waiting ones are joining with no timeout', async () => {
    const e = engine({ timeout: 1000, maxChannels: 200 })
    const t = tab(e)
    for (const [i, topic] of topics(150).entries()) t.session.subscribe(`s${i}`, topic, spec())
    await settle()
    const socket = FakeSocket.last
    socket.open()
    await settle()
    expect(socket.of('phx_join').map((m) => m.topic)).toEqual(topics(10))
    expect(e.inspect().channels.map((c) => c.state)).toEqual(Array(150).fill('joining'))
    // the server answers every join as it arrives; none of the waiting ones times out meanwhile
    const sentAt: number[] = []
    const start = clock.now()
    for (let step = 0; step < 300 && socket.of('phx_join').length < 150; step++) {
      for (const join of socket.of('phx_join').slice(sentAt.length)) {
        sentAt.push(clock.now() - start)
        socket.acceptJoin(join.topic)
      }
      clock.advance(10)
    }
    for (const join of socket.of('phx_join').slice(sentAt.length)) {
      sentAt.push(clock.now() - start)
      socket.acceptJoin(join.topic)
    }
    await settle()
    expect(socket.of('phx_join').map((m) => m.topic)).toEqual(topics(150))
    expect(sentAt.slice(8, 13)).toEqual([0, 0, 20, 40, 60])
    expect(sentAt.at(-1)).toBe(2800)
    expect(t.statuses()).toEqual(topics(150).map((_, i) => `s${i} SUBSCRIBED`))
    expect(e.inspect().guards).toMatchObject({ joinsDelayed: expect.any(Number), channelsWaitingToSend: 0 })
  })

  test('rejoins after a reconnect go through the same pacing', async () => {
    const e = engine()
    const t = tab(e)
    for (const [i, topic] of topics(30).entries()) t.session.subscribe(`s${i}`, topic, spec())
    await settle()
    FakeSocket.last.open()
    await settle()
    clock.advance(1000) // every join sent
    for (const topic of topics(30)) FakeSocket.last.acceptJoin(topic)
    clock.advance(10_000) // the budget is full again
    FakeSocket.last.serverClose(1006)
    clock.advance(2000) // the backoff
    await settle()
    const second = FakeSocket.last
    expect(FakeSocket.instances).toHaveLength(2)
    second.open()
    await settle()
    expect(second.of('phx_join')).toHaveLength(10)
    clock.advance(200)
    expect(second.of('phx_join')).toHaveLength(20)
    clock.advance(200)
    expect(second.of('phx_join').map((m) => m.topic)).toEqual(topics(30))
  })
})

describe('channels stay within the per-socket limit', () => {
  test('the 101st topic fails at once, typed and not retried; a topic already open is not counted twice', async () => {
    const e = engine()
    const a = tab(e, 'a')
    const b = tab(e, 'b')
    for (const [i, topic] of topics(100).entries()) a.session.subscribe(`s${i}`, topic, spec())
    b.session.subscribe('same', 'realtime:t0', spec())
    b.session.subscribe('extra', 'realtime:t100', spec())
    clock.flush() // the session's batch
    expect(b.events.filter((ev) => ev.type === 'status')).toEqual([
      {
        type: 'status',
        sub: 'extra',
        status: 'CHANNEL_ERROR',
        error: {
          kind: 'too-many-channels',
          message:
            'cannot join "realtime:t100": this socket already has 100 channels, the limit per socket ' +
            "(EngineOptions.maxChannels, the server's max_channels_per_client): remove a channel first",
          retryable: false,
        },
      },
    ])
    await settle()
    FakeSocket.last.open()
    await settle()
    clock.advance(5000)
    for (const topic of topics(100)) FakeSocket.last.acceptJoin(topic)
    await settle()
    expect(FakeSocket.last.of('phx_join').map((m) => m.topic)).toEqual(topics(100))
    expect(b.statuses()).toEqual(['extra CHANNEL_ERROR', 'same SUBSCRIBED'])
    // once a channel goes, a new topic may join
    a.session.unsubscribe('s99')
    FakeSocket.last.message({
      ...FakeSocket.last.of('phx_leave')[0]!,
      event: 'phx_reply',
      payload: { status: 'ok', response: {} },
    })
    b.session.subscribe('later', 'realtime:t100', spec())
    clock.advance(100)
    expect(FakeSocket.last.of('phx_join').at(-1)).toMatchObject({ topic: 'realtime:t100' })
  })
})

describe('payloads over the limit are refused before sending or storing', () => {
  const big = (bytes: number) => ({ type: 'broadcast', event: 'e', payload: { text: 'x'.repeat(bytes) } })

  test('a broadcast over maxPayloadBytes rejects for its tab, sends nothing; the socket and other tabs go on', async () => {
    const e = engine({ maxPayloadBytes: 1000 })
    const a = tab(e, 'a')
    const b = tab(e, 'b')
    a.session.subscribe('s', TOPIC, spec({ broadcast: { ack: true } }))
    b.session.subscribe('s', TOPIC, spec())
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin(TOPIC)
    const refused = results(a.session.send('s', big(1000)))
    const fine = results(b.session.send('s', big(900)))
    await settle()
    expect(refused.error).toBeInstanceOf(PayloadTooLargeError)
    expect(refused.error).toMatchObject({ kind: 'payload-too-large', bytes: 1034, limit: 1000 })
    expect(FakeSocket.last.of('broadcast')).toMatchObject([{ payload: big(900) }]) // b's, not a's
    expect(fine.value).toBe('ok')
    expect(FakeSocket.last.closedWith).toBeUndefined()
    expect(() => a.session.track('s', { blob: 'x'.repeat(1000) })).toThrow(PayloadTooLargeError)
    expect(e.inspect().guards).toMatchObject({ tooLarge: 2 })
  })

  test('a durable broadcast over the limit is refused before it is stored', async () => {
    const h = durableHarness()
    const e = h.engine({ maxPayloadBytes: 1000 })
    const a = h.tab(e, 'a')
    const socket = await h.join()
    const refused = results(a.session.send('s', big(2000), 10_000, { durable: true }))
    await h.settle()
    expect(refused.error).toBeInstanceOf(PayloadTooLargeError)
    expect(await h.stored()).toEqual([])
    expect(socket.of('broadcast')).toEqual([])
    const kept = results(a.session.send('s', big(10), 10_000, { durable: true }))
    await h.settle()
    answer(socket, socket.of('broadcast')[0]!)
    await h.settle()
    expect(kept.value).toBe('ok')
  })
})

describe('sends are held under the server’s event rate', () => {
  test('120 sends at once: 50 go out, then one per 20 ms, in order; none is lost', async () => {
    const e = engine({ outboxLimit: 200 })
    const a = tab(e, 'a')
    a.session.subscribe('s', TOPIC, spec())
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin(TOPIC)
    const sent = Array.from({ length: 120 }, (_, n) =>
      results(a.session.send('s', { type: 'broadcast', event: 'e', payload: { n } }, 60_000)),
    )
    await settle()
    const ns = () => FakeSocket.last.of('broadcast').map((m) => (m.payload as { payload: { n: number } }).payload.n)
    expect(ns()).toHaveLength(50)
    clock.advance(200)
    expect(ns()).toHaveLength(60)
    clock.advance(1200)
    expect(ns()).toEqual(Array.from({ length: 120 }, (_, n) => n))
    await settle()
    expect(sent.every((r) => r.value === 'ok')).toBe(true)
  })

  test('over the budget and the outbox bound, a send is refused with OutboxFullError, for its tab only', async () => {
    const e = engine({ outboxLimit: 20, sendBurst: 5 })
    const a = tab(e, 'a')
    a.session.subscribe('s', TOPIC, spec({ broadcast: { ack: true } }))
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin(TOPIC)
    const sent = Array.from({ length: 30 }, (_, n) =>
      results(a.session.send('s', { type: 'broadcast', event: 'e', payload: { n } }, 60_000)),
    )
    await settle()
    expect(FakeSocket.last.of('broadcast')).toHaveLength(5) // the burst; 20 queued, 5 refused
    expect(sent.slice(25).map((r) => (r.error as Error).name)).toEqual(Array(5).fill('OutboxFullError'))
    expect(sent.slice(0, 25).every((r) => r.error === undefined)).toBe(true)
    clock.advance(400)
    expect(FakeSocket.last.of('broadcast')).toHaveLength(25)
  })

  test('a flood on one topic does not starve another: waiting topics are served in turn', async () => {
    const e = engine({ outboxLimit: 200, sendBurst: 1 })
    const flood = tab(e, 'flood')
    const calm = tab(e, 'calm')
    flood.session.subscribe('s', 'realtime:flood', spec())
    calm.session.subscribe('s', 'realtime:calm', spec())
    await settle()
    FakeSocket.last.open()
    await settle()
    FakeSocket.last.acceptJoin('realtime:flood')
    FakeSocket.last.acceptJoin('realtime:calm')
    for (let n = 0; n < 100; n++)
      void flood.session.send('s', { type: 'broadcast', event: 'e', payload: { n } }, 60_000)
    for (let n = 0; n < 3; n++) void calm.session.send('s', { type: 'broadcast', event: 'e', payload: { n } }, 60_000)
    await settle()
    clock.advance(200)
    const order = FakeSocket.last.of('broadcast').map((m) => m.topic.slice('realtime:'.length))
    expect(order).toEqual([
      'flood',
      'flood',
      'calm',
      'flood',
      'calm',
      'flood',
      'calm',
      'flood',
      'flood',
      'flood',
      'flood',
    ])
  })
})

describe('presence calls stay under the server’s 5 per 30 s per channel, whatever the tabs do', () => {
  test('three tabs tracking or untracking every 100 ms for two minutes: at most 5 presence frames in any 30 s', async () => {
    const e = engine({ heartbeatIntervalMs: 3_600_000 }) // the scripted server does not answer heartbeats
    const tabs = ['a', 'b', 'c'].map((id) => tab(e, id))
    const presence = { config: { presence: { key: 'me' } }, postgres: [], presence: true }
    for (const t of tabs) t.session.subscribe('p', TOPIC, presence)
    await settle()
    const socket = FakeSocket.last
    socket.open()
    await settle()
    socket.acceptJoin(TOPIC)
    const start = clock.now()
    const times: number[] = []
    for (let i = 0; i < 1200; i++) {
      const t = tabs[i % 3]!
      if (i % 7 === 6) t.session.untrack('p')
      else t.session.track('p', { i })
      for (let n = socket.of('presence').length - times.length; n > 0; n--) times.push(clock.now() - start)
      clock.advance(100)
    }
    expect(times.length).toBeGreaterThanOrEqual(20) // one every 6 s over 120 s
    for (let k = 5; k < times.length; k++) expect(times[k]! - times[k - 5]!).toBeGreaterThanOrEqual(30_000)
  })
})
