// The engine with `ws` against the real dev server on port 0 (DESIGN.md "Many tabs, one
// socket"): several tab sessions share one socket and one server channel per topic.

import { startServer, type RunningServer } from '@shared-realtime/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Engine, type EngineOptions } from './index.ts'
import { isStatus, openTab } from './test-support/tabs.ts'
import { liveEngines } from './test-support/live.ts'

let server: RunningServer

beforeAll(async () => {
  server = await startServer({
    port: 0,
    log: 'silent',
    admin: true,
    sql: `create table todos (id serial primary key, list_id int not null, title text not null);
          alter publication supabase_realtime add table todos;`,
  })
}, 60_000) // booting the embedded database takes 5-10 s while the node project runs on 2 cores
afterAll(() => server?.close())

const onServer = liveEngines()
const newEngine = (options: Partial<EngineOptions> = {}): Engine => onServer(server, options)

async function stats(): Promise<{ sockets: number; channels: number; topics: number; framesIn: number }> {
  const res = await fetch(`${server.httpUrl}/admin/stats`, {
    headers: { authorization: `Bearer ${server.keys.service_role}` },
  })
  return res.json() as never
}

async function admin(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.httpUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.keys.service_role}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
}

const spec = (config: Record<string, unknown> = {}, extra: Partial<{ presence: boolean; postgres: never[] }> = {}) =>
  ({ config, postgres: [], presence: false, ...extra }) as never

describe('many tabs, one socket', () => {
  test('three sessions on one topic make one socket and one server channel', async () => {
    const e = newEngine()
    const tabs = ['a', 'b', 'c'].map((id) => openTab(e, id))
    for (const tab of tabs) tab.session.subscribe('room', 'realtime:shared-1', spec())
    for (const tab of tabs) await tab.next(isStatus('room', 'SUBSCRIBED'))
    const s = await stats()
    expect({ sockets: s.sockets, channels: s.channels, topics: s.topics }).toEqual({
      sockets: 1,
      channels: 1,
      topics: 1,
    })
    expect(e.inspect().channels).toMatchObject([{ topic: 'realtime:shared-1', state: 'joined', subscriptions: 3 }])
  })

  test('a broadcast reaches the other sessions, and the sender only with self', async () => {
    const e = newEngine()
    const [a, b, c] = ['a', 'b', 'c'].map((id) => openTab(e, id)) as [
      ReturnType<typeof openTab>,
      ReturnType<typeof openTab>,
      ReturnType<typeof openTab>,
    ]
    a.session.subscribe('ch', 'realtime:bc', spec({ broadcast: { ack: true } }))
    b.session.subscribe('ch', 'realtime:bc', spec())
    c.session.subscribe('ch', 'realtime:bc', spec({ broadcast: { self: true } }))
    for (const t of [a, b, c]) await t.next(isStatus('ch', 'SUBSCRIBED'))
    expect(await a.session.send('ch', { type: 'broadcast', event: 'hello', payload: { n: 1 } })).toBe('ok')
    const expected = { type: 'broadcast', sub: 'ch', payload: { type: 'broadcast', event: 'hello', payload: { n: 1 } } }
    expect(await b.next((ev) => ev.type === 'broadcast')).toEqual(expected)
    expect(await c.next((ev) => ev.type === 'broadcast')).toEqual(expected)
    await c.session.send('ch', { type: 'broadcast', event: 'back', payload: {} })
    expect(((await c.next((ev) => ev.type === 'broadcast')) as { payload: { event: string } }).payload.event).toBe(
      'back',
    )
    expect(((await a.next((ev) => ev.type === 'broadcast')) as { payload: { event: string } }).payload.event).toBe(
      'back',
    )
    expect(a.of('broadcast').map((ev) => ev.payload.event)).toEqual(['back'])
  })

  test('a second session on a joined topic is SUBSCRIBED at once, with no frame sent', async () => {
    const e = newEngine()
    const a = openTab(e, 'a')
    a.session.subscribe('ch', 'realtime:second', spec())
    await a.next(isStatus('ch', 'SUBSCRIBED'))
    const before = e.counters.framesOut
    const b = openTab(e, 'b')
    b.session.subscribe('ch', 'realtime:second', spec())
    await b.next(isStatus('ch', 'SUBSCRIBED'))
    expect(e.counters.framesOut).toBe(before)
  })

  test('presence is one entry per browser: last writer wins, untracked after the last tracker', async () => {
    const e = newEngine()
    const other = newEngine() // another browser watching
    const a = openTab(e, 'a')
    const b = openTab(e, 'b')
    const watcher = openTab(other, 'w')
    const config = { presence: { key: 'user-1' } }
    a.session.subscribe('p', 'realtime:presence-1', spec(config, { presence: true }))
    b.session.subscribe('p', 'realtime:presence-1', spec(config, { presence: true }))
    watcher.session.subscribe('p', 'realtime:presence-1', spec({ presence: { key: 'user-2' } }, { presence: true }))
    for (const t of [a, b, watcher]) await t.next(isStatus('p', 'SUBSCRIBED'))
    a.session.track('p', { tab: 'a' })
    const joined = await watcher.next((ev) => ev.type === 'presence-diff')
    expect(joined).toMatchObject({ diff: { joins: { 'user-1': { metas: [{ tab: 'a' }] } }, leaves: {} } })
    b.session.track('p', { tab: 'b' }) // within 6 s: coalesced, sent when the window opens
    b.session.untrack('p') // back to a's payload, identical to what the server has: nothing sent
    a.session.untrack('p')
    const left = await watcher.next((ev) => ev.type === 'presence-diff', 10_000)
    expect(left).toMatchObject({ diff: { joins: {}, leaves: { 'user-1': { metas: [{ tab: 'a' }] } } } })
    expect(watcher.of('presence-diff')).toHaveLength(2)
  }, 15_000)

  test('a late session gets the current presence state replayed', async () => {
    const e = newEngine()
    const a = openTab(e, 'a')
    a.session.subscribe('p', 'realtime:presence-2', spec({ presence: { key: 'k' } }, { presence: true }))
    await a.next(isStatus('p', 'SUBSCRIBED'))
    a.session.track('p', { name: 'A' })
    await a.next((ev) => ev.type === 'presence-diff')
    const b = openTab(e, 'b')
    b.session.subscribe('p', 'realtime:presence-2', spec({ presence: { key: 'k' } }, { presence: true }))
    await b.next(isStatus('p', 'SUBSCRIBED'))
    expect(await b.next((ev) => ev.type === 'presence-state')).toMatchObject({
      state: { k: { metas: [{ name: 'A' }] } },
    })
  })

  test('a postgres change goes only to the session whose binding matches', async () => {
    const e = newEngine()
    const one = openTab(e, 'one')
    const two = openTab(e, 'two')
    const binding = (list: number) => ({ event: '*', schema: 'public', table: 'todos', filter: `list_id=eq.${list}` })
    one.session.subscribe('t', 'realtime:todos', spec({}, { postgres: [binding(1)] as never }))
    await one.next(isStatus('t', 'SUBSCRIBED'))
    two.session.subscribe('t', 'realtime:todos', spec({}, { postgres: [binding(2)] as never }))
    await two.next(isStatus('t', 'SUBSCRIBED'))
    // the union grew: the channel rejoined, and the first session heard `resubscribed`
    await one.next((ev) => ev.type === 'system' && (ev.payload as { message?: string }).message === 'resubscribed')
    await admin('/admin/sql', { sql: "insert into todos (list_id, title) values (2, 'for two')" })
    const change = await two.next((ev) => ev.type === 'postgres_changes')
    expect(change).toMatchObject({
      sub: 't',
      bindings: [0],
      payload: { eventType: 'INSERT', new: { list_id: 2, title: 'for two' }, old: {} },
    })
    expect(one.of('postgres_changes')).toEqual([])
  })
})

describe('recovery', () => {
  test('after /admin/restart every session is resubscribed and presence re-tracked', async () => {
    const e = newEngine({ reconnectAfterMs: () => 50 })
    const watcherEngine = newEngine({ reconnectAfterMs: () => 50 })
    const a = openTab(e, 'a')
    const w = openTab(watcherEngine, 'w')
    a.session.subscribe('r', 'realtime:restart', spec({ presence: { key: 'me' } }, { presence: true }))
    w.session.subscribe('r', 'realtime:restart', spec({ presence: { key: 'watcher' } }, { presence: true }))
    await a.next(isStatus('r', 'SUBSCRIBED'))
    await w.next(isStatus('r', 'SUBSCRIBED'))
    a.session.track('r', { here: true })
    await w.next((ev) => ev.type === 'presence-diff')
    const beforeRestart = new Set(w.events)
    await admin('/admin/restart', { downMs: 100 })
    await a.next(
      (ev) => ev.type === 'system' && (ev.payload as { message?: string }).message === 'resubscribed',
      10_000,
    )
    await a.next(isStatus('r', 'SUBSCRIBED'), 10_000)
    // the watcher sees "me" again after the restart. The two engines reconnect in either order: if a
    // re-tracked before the watcher rejoined, "me" is in the watcher's presence-state, else in a later diff
    const back = await w.next(
      (ev) =>
        !beforeRestart.has(ev) &&
        ((ev.type === 'presence-state' && 'me' in ev.state) || (ev.type === 'presence-diff' && 'me' in ev.diff.joins)),
      10_000,
    )
    const me =
      back.type === 'presence-state' ? back.state.me : back.type === 'presence-diff' ? back.diff.joins.me : null
    expect(me).toMatchObject({ metas: [{ here: true }] })
  }, 20_000)

  test('withheld heartbeats make the engine reconnect within interval + timeout', async () => {
    const e = newEngine({ heartbeatIntervalMs: 200, heartbeatTimeoutMs: 200, reconnectAfterMs: () => 50 })
    const a = openTab(e, 'a')
    a.session.subscribe('h', 'realtime:hb', spec())
    await a.next(isStatus('h', 'SUBSCRIBED'))
    await admin('/admin/faults', { heartbeats: 'ignore' })
    const seen = a.events.length
    try {
      await a.next((ev) => ev.type === 'heartbeat' && ev.status === 'timeout', 3000)
      // the first unanswered heartbeat is the one that times out: detection within interval + timeout
      const since = a.events
        .slice(seen)
        .filter((ev) => ev.type === 'heartbeat')
        .map((ev) => (ev as { status: string }).status)
      expect(since.slice(-2)).toEqual(['sent', 'timeout'])
      await admin('/admin/faults', { heartbeats: 'answer' })
      await a.next((ev) => ev.type === 'connection' && ev.state === 'reconnecting')
      await a.next(isStatus('h', 'SUBSCRIBED'), 5000)
    } finally {
      await admin('/admin/faults', { heartbeats: 'answer' })
    }
  })
})
