// One ServerChannel with a scripted host (a TestClock, frames recorded, the socket always ready):
// the inbound router's table, the echo rule, presence following the machine's joined/left
// effects, and the outbox deciding when it is full.

import { createSerializer, type Message } from '@shared-realtime/protocol'
import { describe, expect, test } from 'vitest'
import type { EngineEvent } from './events.ts'
import type { SubscriptionSpec } from './join-union.ts'
import { DEFAULT_GUARD_LIMITS, SocketGuard } from './guards.ts'
import { TestLogSink } from './logger.ts'
import { OutboxFullError } from './outbox.ts'
import { type ChannelHost, ServerChannel } from './server-channel.ts'
import { TestClock } from './test-clock.ts'

const TOPIC = 'realtime:room'

function setup(over: Partial<ChannelHost> = {}) {
  const clock = new TestClock()
  const logger = new TestLogSink()
  const sent: Message[] = []
  const up = { socket: true }
  let lastRef = 0
  const host: ChannelHost = {
    clock,
    logger,
    timeoutMs: 10_000,
    outboxLimit: 100,
    durable: undefined,
    guard: new SocketGuard({
      clock,
      limits: { ...DEFAULT_GUARD_LIMITS, sendsPerSecond: Infinity },
      serializer: createSerializer('2.0.0'),
      joinsRefilled: () => {},
    }),
    nextRef: () => String(++lastRef),
    mayJoin: () => up.socket,
    send: (message) => up.socket && sent.push(message) > 0,
    token: () => null,
    settledToken: () => Promise.resolve(null),
    refreshToken: () => {},
    changed: () => {},
    accepted: () => {},
    ...over,
  }
  const channel = new ServerChannel(TOPIC, host)
  const from = (event: string, payload: unknown, joinRef = channel.snapshot().joinRef, ref: string | null = null) =>
    channel.receive({ join_ref: joinRef, ref, topic: TOPIC, event, payload })
  /** Answers the last frame sent with `event`. */
  const answer = (event: string, status = 'ok', response: unknown = {}) => {
    const m = sent.findLast((s) => s.event === event)!
    from('phx_reply', { status, response }, m.join_ref, m.ref)
  }
  return { clock, logger, sent, up, channel, from, answer }
}

function tab(id: string) {
  const events: EngineEvent[] = []
  return { id, events, emit: (event: EngineEvent) => void events.push(event) }
}

const spec = (config: SubscriptionSpec['config'] = {}, presence = false): SubscriptionSpec => ({
  config,
  postgres: [],
  presence,
})
const frames = (sent: Message[]) => sent.map((m) => `${m.event} ${m.join_ref}/${m.ref} ${JSON.stringify(m.payload)}`)

describe('ServerChannel', () => {
  test('routes what the server sends by event; a stale join_ref is dropped and logged', () => {
    const { channel, from, answer, logger } = setup()
    const a = tab('a')
    channel.subscribe(a, 's', spec())
    answer('phx_join')
    from('broadcast', { type: 'broadcast', event: 'hi', payload: { n: 1 } })
    from('broadcast', 'not a record')
    from('system', { extension: 'system', status: 'ok', message: 'hello' })
    from('constructor', { odd: true })
    from('custom', 42)
    from('broadcast', { type: 'broadcast', event: 'old', payload: {} }, 'stale')
    from('broadcast', { type: 'broadcast', event: 'any join', payload: {} }, null)
    expect(a.events).toEqual([
      { type: 'status', sub: 's', status: 'SUBSCRIBED' },
      { type: 'broadcast', sub: 's', payload: { type: 'broadcast', event: 'hi', payload: { n: 1 } } },
      { type: 'system', sub: 's', payload: { extension: 'system', status: 'ok', message: 'hello' } },
      { type: 'message', sub: 's', event: 'constructor', payload: { odd: true } },
      { type: 'message', sub: 's', event: 'custom', payload: 42 },
      { type: 'broadcast', sub: 's', payload: { type: 'broadcast', event: 'any join', payload: {} } },
    ])
    const dropped = `dropped broadcast on ${TOPIC} for stale join_ref stale`
    expect(logger.lines).toEqual([{ level: 'debug', message: dropped, data: undefined }])
  })

  test('a system error names the shutdown of the phx_close that follows it, once', () => {
    const { channel, from, answer } = setup()
    const a = tab('a')
    channel.subscribe(a, 's', spec())
    answer('phx_join')
    from('system', { extension: 'system', status: 'error', message: 'Token has expired 5 seconds ago' })
    from('phx_close', {})
    channel.ready() // the engine's token gate, once the refreshed token settled
    answer('phx_join')
    from('phx_close', {})
    expect(a.events.filter((e) => e.type === 'status')).toEqual([
      { type: 'status', sub: 's', status: 'SUBSCRIBED' },
      {
        type: 'status',
        sub: 's',
        status: 'CHANNEL_ERROR',
        error: { kind: 'closed:token-expired', message: 'Token has expired 5 seconds ago', retryable: true },
      },
      { type: 'status', sub: 's', status: 'SUBSCRIBED' },
      { type: 'status', sub: 's', status: 'CLOSED' },
    ])
  })

  test("echoes an acknowledged broadcast to all but the sender's subscription, unless it asked for self", async () => {
    const { channel, answer } = setup()
    const [a, b, c] = [tab('a'), tab('b'), tab('c')]
    channel.subscribe(a, 's', spec({ broadcast: { ack: true } }))
    channel.subscribe(b, 's', spec({ broadcast: { self: true } }))
    channel.subscribe(c, 's', spec())
    answer('phx_join')
    const fromA = channel.broadcast(a, 's', { type: 'broadcast', event: 'a', payload: {} }, 10_000)
    answer('broadcast')
    expect(await fromA).toBe('ok') // with ack: the server's answer
    const fromB = channel.broadcast(b, 's', { type: 'broadcast', event: 'b', payload: {} }, 10_000)
    expect(await fromB).toBe('ok') // without ack: at once, before the server answers
    const unanswered = channel.broadcast(c, 's', { type: 'broadcast', event: 'never', payload: {} }, 10_000)
    answer('broadcast', 'ok') // c's, the last one sent
    answer('broadcast', 'error') // c's again: no reply is taken twice
    for (let i = 0; i < 3; i++) await Promise.resolve()
    const broadcastsOf = (t: ReturnType<typeof tab>) =>
      t.events.flatMap((e) => (e.type === 'broadcast' ? [e.payload.event] : []))
    expect([broadcastsOf(a), broadcastsOf(b), broadcastsOf(c)]).toEqual([['never'], ['a', 'never'], ['a']])
    expect(await unanswered).toBe('ok')
  })

  test('presence follows the machine: tracked on join, forgotten on leaving joined, tracked again on rejoin', () => {
    const { channel, sent, up, answer, clock } = setup()
    const a = tab('a')
    channel.subscribe(a, 'p', spec({ presence: { key: 'me' } }, true))
    channel.track('a', { here: 1 }) // not joined yet: remembered
    answer('phx_join')
    clock.advance(1000)
    channel.track('a', { here: 2 }) // within 6 s of the first call: waits for the window
    up.socket = false
    channel.socketDown() // leaves joined: the waiting call is forgotten with the server's presence
    expect([channel.snapshot().presence, clock.pending()]).toEqual([{ tracking: 1, sent: 'untracked', keys: 0 }, []])
    clock.advance(60_000)
    up.socket = true
    channel.ready()
    answer('phx_join')
    const join =
      '{"config":{"broadcast":{"ack":true,"self":false},"presence":{"key":"me","enabled":true},' +
      '"postgres_changes":[],"private":false}}'
    expect(frames(sent)).toEqual([
      `phx_join 1/1 ${join}`,
      'presence 1/3 {"type":"presence","event":"track","payload":{"here":1}}',
      `phx_join 5/5 ${join}`,
      'presence 5/7 {"type":"presence","event":"track","payload":{"here":2}}',
    ])
    expect(channel.snapshot().presence).toEqual({ tracking: 1, sent: 'tracked', keys: 0 })
  })

  test('a tab arriving on a joined channel is SUBSCRIBED at once, with the presence state replayed', () => {
    const { channel, sent, from, answer } = setup()
    const [a, b] = [tab('a'), tab('b')]
    channel.subscribe(a, 'p', spec({ presence: { key: 'me' } }, true))
    answer('phx_join')
    from('presence_state', { other: { metas: [{ phx_ref: 'r1', x: 1 }] } })
    const before = sent.length
    channel.subscribe(b, 'p', spec())
    expect([b.events, sent.length - before]).toEqual([
      [
        { type: 'status', sub: 'p', status: 'SUBSCRIBED' },
        { type: 'presence-state', sub: 'p', state: { other: { metas: [{ phx_ref: 'r1', x: 1 }] } } },
      ],
      0,
    ])
  })

  test('presence keys: one per channel; another key is refused with its own kind, no key shares the one asked for', () => {
    const { channel } = setup()
    expect(channel.subscribe(tab('a'), 's', spec({ presence: { key: '' } }))).toBeUndefined()
    expect(channel.subscribe(tab('b'), 's', spec({ presence: { key: 'user-1' } }))).toBeUndefined()
    expect(channel.subscribe(tab('c'), 's', spec({ presence: { key: 'user-1' } }))).toBeUndefined()
    expect(channel.subscribe(tab('d'), 's', spec({ presence: { key: 'observer' } }))).toMatchObject({
      kind: 'presence-key-conflict',
      retryable: false,
      message: expect.stringMatching(/presence key "user-1".*"observer" cannot be used here/),
    })
    expect(channel.subscribe(tab('e'), 's', spec())).toBeUndefined()
    expect(channel.snapshot().subscriptions).toBe(4)
  })

  test('refuses a subscription that disagrees on private, and lets the outbox say when it is full', async () => {
    const { channel } = setup({ outboxLimit: 1, mayJoin: () => false })
    const a = tab('a')
    channel.subscribe(a, 's', spec())
    expect(channel.subscribe(tab('b'), 's', spec({ private: true }))).toMatchObject({
      kind: 'subscription-conflict',
      message: expect.stringMatching(/already subscribed as a public channel/),
    })
    const first = channel.broadcast(a, 's', { type: 'broadcast', event: 'one', payload: {} }, 10_000)
    const second = channel.broadcast(a, 's', { type: 'broadcast', event: 'two', payload: {} }, 10_000)
    expect(await first).toBe('ok') // no ack asked: at once, though queued
    await expect(second).rejects.toBeInstanceOf(OutboxFullError)
    expect(channel.snapshot().outbox).toEqual({ queued: 1, waiting: 0, durableWaiting: 0 })
  })
})

describe('broadcast.replication_ready (realtime-js 2.109)', () => {
  const READY = {
    extension: 'system',
    status: 'ok',
    message: 'Replication connection established',
    channel: 'room',
  }
  const systemOf = (events: EngineEvent[]) => events.filter((e) => e.type === 'system').map((e) => e.payload)
  const replicationOf = (m: Message) =>
    (m.payload as { config: { broadcast: { replication_ready?: boolean } } }).config.broadcast.replication_ready

  test('a later subscription asking for it on a channel already told gets the notice from the engine, alone', () => {
    const { channel, from, answer, sent } = setup()
    const [a, b, c] = [tab('a'), tab('b'), tab('c')]
    channel.subscribe(a, 's', spec({ broadcast: { replication_ready: true } }))
    answer('phx_join')
    from('system', READY)
    channel.subscribe(b, 's', spec({ broadcast: { replication_ready: true } }))
    channel.subscribe(c, 's', spec())
    expect({
      joins: sent.filter((m) => m.event === 'phx_join').length,
      a: systemOf(a.events),
      b: systemOf(b.events),
      c: systemOf(c.events),
    }).toEqual({ joins: 1, a: [READY], b: [READY], c: [] })
  })

  test('asked by a later subscription only: the channel rejoins with it, and the notice reaches it', () => {
    const { channel, from, answer, sent } = setup()
    const [a, b] = [tab('a'), tab('b')]
    channel.subscribe(a, 's', spec())
    answer('phx_join')
    channel.subscribe(b, 's', spec({ broadcast: { replication_ready: true } }))
    const joins = sent.filter((m) => m.event === 'phx_join')
    expect(joins.map(replicationOf)).toEqual([undefined, true])
    answer('phx_join')
    from('system', READY)
    expect(systemOf(b.events)).toContainEqual(READY)
  })

  test('a notice of an earlier join is not replayed after a rejoin that has not been told yet', () => {
    const { channel, from, answer } = setup()
    const [a, b] = [tab('a'), tab('b')]
    channel.subscribe(a, 's', spec({ broadcast: { replication_ready: true } }))
    answer('phx_join')
    from('system', READY)
    channel.socketDown()
    channel.ready()
    answer('phx_join')
    expect(channel.state.name).toBe('joined')
    channel.subscribe(b, 's', spec({ broadcast: { replication_ready: true } }))
    expect(systemOf(b.events)).toEqual([])
    from('system', READY) // the rejoin's own notice
    expect(systemOf(b.events)).toEqual([READY])
  })
})
