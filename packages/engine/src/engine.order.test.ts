// The order of everything the engine does, pinned: one scripted scene (two tabs sharing a
// topic, presence, a rejoin for a new postgres binding, an acknowledged broadcast, a token
// shutdown, a dropped socket, heartbeats, leaving) and the exact sequence of frames the
// socket got and of event batches each tab got. The parts (machines, drivers, channel) may
// move; this sequence may not.

import { beforeEach, expect, test } from 'vitest'
import type { Message } from '@shared-realtime/protocol'
import { Engine } from './engine.ts'
import type { EngineEvent } from './events.ts'
import { TestClock } from './test-clock.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { settle as settleClock } from './test-support/scripted.ts'

let clock: TestClock
beforeEach(() => {
  clock = new TestClock()
  FakeSocket.reset()
})

const settle = (): Promise<void> => settleClock(clock)

const system = (payload: object) => {
  const p = payload as { status?: unknown; message?: unknown }
  return `${String(p.status)}:${String(p.message)}`
}

function describeEvent(e: EngineEvent): string {
  switch (e.type) {
    case 'status':
      return `${e.sub} ${e.status}${e.error ? ` ${e.error.kind}${e.error.retryable ? '' : ' final'}` : ''}`
    case 'connection': {
      const retry = e.retryInMs === undefined ? '' : ` in ${e.retryInMs}`
      return `connection ${e.state}${e.attempt === undefined ? '' : ` #${e.attempt}`}${retry}`
    }
    case 'heartbeat':
      return `heartbeat ${e.status}${e.rttMs === undefined ? '' : ` ${e.rttMs}`}`
    case 'presence-state':
      return `${e.sub} presence-state ${JSON.stringify(e.state)}`
    case 'presence-diff':
      return `${e.sub} presence-diff ${JSON.stringify(e.diff)}`
    case 'broadcast':
      return `${e.sub} broadcast ${String(e.payload.event)}`
    case 'system':
      return `${e.sub} system ${system(e.payload)}`
    case 'postgres_changes':
      return `${e.sub} postgres ${JSON.stringify(e.bindings)}`
    case 'message':
      return `${e.sub} message ${e.event}`
    case 'gap':
      return `gap ${e.dropped}`
  }
}

function framePayload(m: Message): string {
  const p = m.payload as Record<string, unknown>
  if (m.event === 'phx_join') {
    const config = p.config as { presence: { enabled: boolean }; postgres_changes: unknown[] }
    return `presence:${config.presence.enabled} postgres:${config.postgres_changes.length}`
  }
  if (m.event === 'system') return system(p)
  if (m.event === 'postgres_changes') return `ids:${JSON.stringify(p.ids)}`
  if (m.event === 'phx_reply') {
    const response = p.response as { postgres_changes?: Array<{ id: number }> }
    const ids = response.postgres_changes?.map((binding) => binding.id)
    return `${String(p.status)}${ids ? ` ids:${JSON.stringify(ids)}` : ''}`
  }
  return JSON.stringify(p)
}

const frame = (m: Message) => `${m.event} ${m.join_ref ?? '-'}/${m.ref ?? '-'} ${framePayload(m)}`

test('a whole scene: frames sent and events delivered, in order', async () => {
  const e = new Engine({
    endPoint: 'ws://realtime.test/realtime/v1',
    params: { apikey: 'anon' },
    transport: FakeSocket,
    clock,
    random: () => 0.5,
    reconnectAfterMs: () => 1000,
    disconnectOnEmptyChannelsAfterMs: 5000,
  })
  const log: string[] = []
  const tab = (id: string) => {
    const session = e.attach(id, (batch) => {
      // one line per event; `+` marks an event delivered in the same batch as the line above
      batch.forEach((event, i) => log.push(`${id}${i === 0 ? ':' : '+'} ${describeEvent(event)}`))
      session.ack(batch.length)
    })
    return session
  }
  const sent = (socket: FakeSocket, from: number) => socket.sent.slice(from).map((m) => `→ ${frame(m)}`)
  let seen = 0
  const frames = () => {
    const socket = FakeSocket.last
    const lines = sent(socket, seen)
    seen = socket.sent.length
    log.push(...lines)
  }
  const server = (m: Message) => {
    log.push(`← ${frame(m)}`)
    FakeSocket.last.message(m)
  }
  const reply = (m: Message, status = 'ok', response: unknown = {}) =>
    server({ join_ref: m.join_ref, ref: m.ref, topic: m.topic, event: 'phx_reply', payload: { status, response } })
  const closes = () => JSON.stringify(FakeSocket.instances.map((socket) => socket.closedWith?.reason ?? null))
  const lastSent = (event: string) => FakeSocket.last.of(event).at(-1)!
  const TOPIC = 'realtime:room'

  const a = tab('A')
  const b = tab('B')
  const todos = { event: '*', schema: 'public', table: 'todos' } as const
  /** The backoff runs out, the next socket opens, and the channel rejoins with server binding id `id`. */
  const reconnect = async (id: number) => {
    clock.advance(1000)
    await settle()
    seen = 0
    FakeSocket.last.open()
    await settle()
    frames()
    reply(lastSent('phx_join'), 'ok', { postgres_changes: [{ id, ...todos }] })
    await settle()
    frames()
  }
  const config = { presence: { key: 'me' }, broadcast: { ack: true } }
  a.subscribe('a1', TOPIC, { config, postgres: [], presence: true })
  await settle()
  log.push('-- socket opens')
  FakeSocket.last.open()
  await settle()
  frames()
  reply(lastSent('phx_join'), 'ok', { postgres_changes: [] })
  const push = (joinRef: string | null, event: string, payload: unknown) =>
    server({ join_ref: joinRef, ref: null, topic: TOPIC, event, payload })
  push(lastSent('phx_join').join_ref, 'presence_state', { other: { metas: [{ phx_ref: 'x', n: 0 }] } })
  await settle()
  a.track('a1', { n: 1 })
  await settle()
  frames()

  log.push('-- B subscribes twice, the second time with a postgres binding')
  b.subscribe('b1', TOPIC, { config: {}, postgres: [], presence: false })
  await settle()
  b.subscribe('b2', TOPIC, { config: {}, postgres: [todos], presence: false })
  await settle()
  frames()
  reply(lastSent('phx_join'), 'ok', { postgres_changes: [{ id: 77, ...todos }] })
  await settle()
  frames()
  const change = { type: 'INSERT', schema: 'public', table: 'todos', columns: [], commit_timestamp: 'x' }
  push(null, 'postgres_changes', { ids: [77], data: { ...change, record: { id: 1 }, old_record: null } })
  push(null, 'broadcast', { type: 'broadcast', event: 'hi', payload: { from: 'server' } })
  await settle()

  log.push('-- A sends an acknowledged broadcast')
  const result = a.send('a1', { type: 'broadcast', event: 'msg', payload: { n: 2 } })
  await settle()
  frames()
  reply(lastSent('broadcast'))
  log.push(`A's send: ${await result}`)
  await settle()

  log.push('-- the token expires on the server')
  const joinRef = lastSent('phx_join').join_ref
  const expired = 'Token has expired 0 seconds ago'
  push(joinRef, 'system', { extension: 'system', status: 'error', message: expired, channel: 'room' })
  server({ join_ref: joinRef, ref: joinRef, topic: TOPIC, event: 'phx_close', payload: {} })
  await settle()
  frames()
  reply(lastSent('phx_join'))
  await settle()
  frames()

  log.push('-- a heartbeat, then the socket drops')
  clock.advance(25_000)
  await settle()
  frames()
  reply(lastSent('heartbeat'))
  clock.advance(7)
  await settle()
  FakeSocket.last.serverClose(1006)
  await settle()
  await reconnect(78)

  log.push('-- A tracks twice within the rate window')
  a.track('a1', { n: 3 })
  await settle()
  frames()
  log.push('-- 6 s later')
  clock.advance(6000)
  await settle()
  frames()

  log.push('-- a heartbeat goes unanswered')
  clock.advance(25_000)
  await settle()
  frames()
  clock.advance(10_000)
  await settle()
  log.push(`sockets closed with ${closes()}`)
  await reconnect(79)

  log.push('-- A leaves, then B goes away')
  a.unsubscribe('a1')
  await settle()
  frames()
  b.detach()
  await settle()
  frames()
  reply(lastSent('phx_leave'))
  await settle()
  clock.advance(5000)
  await settle()
  log.push(`sockets closed with ${closes()}; ${e.connection.name}`)

  expect(log).toEqual(SCENE)
})

const SCENE: string[] = [
  'A: connection disconnected',
  'A+ connection connecting #1',
  'B: connection disconnected',
  'B+ connection connecting #1',
  '-- socket opens',
  'A: connection connected',
  'B: connection connected',
  '→ phx_join 2/2 presence:true postgres:0',
  '← phx_reply 2/2 ok ids:[]',
  '← presence_state 2/- {"other":{"metas":[{"phx_ref":"x","n":0}]}}',
  'A: a1 SUBSCRIBED',
  'A+ a1 presence-state {"other":{"metas":[{"phx_ref":"x","n":0}]}}',
  '→ presence 2/4 {"type":"presence","event":"track","payload":{"n":1}}',
  '-- B subscribes twice, the second time with a postgres binding',
  'B: b1 SUBSCRIBED',
  'B+ b1 presence-state {"other":{"metas":[{"phx_ref":"x","n":0}]}}',
  'B: b2 SUBSCRIBED',
  'B+ b2 presence-state {"other":{"metas":[{"phx_ref":"x","n":0}]}}',
  '→ phx_join 5/5 presence:true postgres:1',
  '← phx_reply 5/5 ok ids:[77]',
  'A: a1 SUBSCRIBED',
  'A+ a1 system ok:resubscribed',
  'B: b1 SUBSCRIBED',
  'B+ b2 SUBSCRIBED',
  'B+ b1 system ok:resubscribed',
  'B+ b2 system ok:resubscribed',
  '→ presence 5/7 {"type":"presence","event":"track","payload":{"n":1}}',
  '← postgres_changes -/- ids:[77]',
  '← broadcast -/- {"type":"broadcast","event":"hi","payload":{"from":"server"}}',
  'B: b2 postgres [0]',
  'B+ b1 broadcast hi',
  'B+ b2 broadcast hi',
  'A: a1 broadcast hi',
  '-- A sends an acknowledged broadcast',
  '→ broadcast 5/8 {"type":"broadcast","event":"msg","payload":{"n":2}}',
  '← phx_reply 5/8 ok',
  "A's send: ok",
  'B: b1 broadcast msg',
  'B+ b2 broadcast msg',
  '-- the token expires on the server',
  '← system 5/- error:Token has expired 0 seconds ago',
  '← phx_close 5/5 {}',
  'A: a1 system error:Token has expired 0 seconds ago',
  'A+ a1 CHANNEL_ERROR closed:token-expired',
  'B: b1 system error:Token has expired 0 seconds ago',
  'B+ b2 system error:Token has expired 0 seconds ago',
  'B+ b1 CHANNEL_ERROR closed:token-expired',
  'B+ b2 CHANNEL_ERROR closed:token-expired',
  '→ phx_join 10/10 presence:true postgres:1',
  '← phx_reply 10/10 ok',
  'A: a1 SUBSCRIBED',
  'A+ a1 system ok:resubscribed',
  'B: b1 SUBSCRIBED',
  'B+ b2 SUBSCRIBED',
  'B+ b1 system ok:resubscribed',
  'B+ b2 system ok:resubscribed',
  '→ presence 10/12 {"type":"presence","event":"track","payload":{"n":1}}',
  '-- a heartbeat, then the socket drops',
  'A: heartbeat sent',
  'B: heartbeat sent',
  '→ heartbeat -/13 {}',
  '← phx_reply -/13 ok',
  'A: heartbeat ok 0',
  'B: heartbeat ok 0',
  'A: heartbeat disconnected',
  'A+ a1 CHANNEL_ERROR socket-closed',
  'A+ connection reconnecting #1 in 1000',
  'B: heartbeat disconnected',
  'B+ b1 CHANNEL_ERROR socket-closed',
  'B+ b2 CHANNEL_ERROR socket-closed',
  'B+ connection reconnecting #1 in 1000',
  'A: connection connecting #2',
  'B: connection connecting #2',
  'A: connection connected',
  'B: connection connected',
  '→ phx_join 15/15 presence:true postgres:1',
  '← phx_reply 15/15 ok ids:[78]',
  'A: a1 SUBSCRIBED',
  'A+ a1 system ok:resubscribed',
  'B: b1 SUBSCRIBED',
  'B+ b2 SUBSCRIBED',
  'B+ b1 system ok:resubscribed',
  'B+ b2 system ok:resubscribed',
  '→ presence 15/17 {"type":"presence","event":"track","payload":{"n":1}}',
  '-- A tracks twice within the rate window',
  '-- 6 s later',
  '→ presence 15/18 {"type":"presence","event":"track","payload":{"n":3}}',
  '-- a heartbeat goes unanswered',
  'A: heartbeat sent',
  'B: heartbeat sent',
  '→ heartbeat -/19 {}',
  'A: heartbeat timeout',
  'A+ a1 CHANNEL_ERROR socket-closed',
  'A+ connection reconnecting #1 in 1000',
  'B: heartbeat timeout',
  'B+ b1 CHANNEL_ERROR socket-closed',
  'B+ b2 CHANNEL_ERROR socket-closed',
  'B+ connection reconnecting #1 in 1000',
  'A: connection connecting #2',
  'B: connection connecting #2',
  'sockets closed with [null,"heartbeat timeout",null]',
  'A: connection connected',
  'B: connection connected',
  '→ phx_join 21/21 presence:true postgres:1',
  '← phx_reply 21/21 ok ids:[79]',
  'A: a1 SUBSCRIBED',
  'A+ a1 system ok:resubscribed',
  'B: b1 SUBSCRIBED',
  'B+ b2 SUBSCRIBED',
  'B+ b1 system ok:resubscribed',
  'B+ b2 system ok:resubscribed',
  '→ presence 21/23 {"type":"presence","event":"track","payload":{"n":3}}',
  '-- A leaves, then B goes away',
  'A: a1 CLOSED',
  '→ phx_leave 21/24 {}',
  '← phx_reply 21/24 ok',
  'A: connection connected',
  'A: heartbeat disconnected',
  'A+ connection disconnected',
  'sockets closed with [null,"heartbeat timeout","idle"]; disconnected',
]
