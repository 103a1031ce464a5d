// The realtime-js scenarios in real Chromium against the dev server, for each host the
// client can use. The same suite runs for every host: the API must not tell them apart.

import { afterEach, describe, expect, inject, test } from 'vitest'
import { commands } from 'vitest/browser'
import { RealtimeClient, RealtimeError, type RealtimeChannel, type RealtimeClientOptions } from './index.ts'
import { collector } from '@shared-realtime/test-support/collector'
import { hostsUnderTest } from './test-support/hosts.ts'

const HOSTS = hostsUnderTest(['shared-worker', 'worker', 'page'])

function subscribed(channel: RealtimeChannel): Promise<{ status: string; error?: Error }> {
  return new Promise((resolve) => channel.subscribe((status, error) => resolve(error ? { status, error } : { status })))
}

let topicCounter = 0
const uniqueTopic = (name: string) => `${name}-${Date.now().toString(36)}-${topicCounter++}`

describe.each(HOSTS)('host %s', (host) => {
  const { url, anon } = inject('realtime')
  const clients: RealtimeClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.removeAllChannels().catch(() => {})
  })
  let testId = 0
  afterEach(() => void testId++)
  /** Clients with the same `browser` share one engine (one socket), as tabs of one browser do. */
  const client = (options: RealtimeClientOptions = {}, browser = 'one') => {
    const c = new RealtimeClient(url, {
      params: { apikey: anon, test: `${host}-${testId}-${browser}` },
      host,
      ...options,
    })
    clients.push(c)
    return c
  }

  test("uses the host it was asked for ('pending' until attached, where another host could be the one in use)", async () => {
    const c = client()
    expect(c.host).toBe(host === 'page' ? 'page' : 'pending')
    expect((await c.inspect()).host).toBe(host)
    expect(c.host).toBe(host)
  })

  test.each(['one browser', 'two browsers'])(
    'broadcast in %s: the other client receives it, the sender only with self, and ack resolves ok',
    async (kind) => {
      const topic = uniqueTopic('bc')
      const [a, b] = [client({}, 'a'), client({}, kind === 'one browser' ? 'a' : 'b')]
      const atA = collector<unknown>()
      const atB = collector<unknown>()
      const chA = a
        .channel(topic, { config: { broadcast: { self: true, ack: true } } })
        .on('broadcast', { event: 'msg' }, (p) => atA.push(p))
      const chB = b.channel(topic).on('broadcast', { event: 'msg' }, (p) => atB.push(p))
      expect(await subscribed(chA)).toEqual({ status: 'SUBSCRIBED' })
      expect(await subscribed(chB)).toEqual({ status: 'SUBSCRIBED' })
      expect(await chA.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok')
      const expected = { type: 'broadcast', event: 'msg', payload: { n: 1 } }
      expect(await atB.count(1)).toEqual([expected])
      expect(await atA.count(1)).toEqual([expected])
    },
  )

  test('a binary broadcast between JSON ones arrives as its bytes, in order', async () => {
    const topic = uniqueTopic('bin')
    const [a, b] = [client(), client()]
    const atB = collector<Record<string, unknown>>()
    const chA = a.channel(topic, { config: { broadcast: { ack: true } } })
    const chB = b.channel(topic).on('broadcast', { event: '*' }, (p) => atB.push(p))
    expect(await subscribed(chA)).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribed(chB)).toEqual({ status: 'SUBSCRIBED' })
    expect(await chA.send({ type: 'broadcast', event: 'json', payload: { n: 1 } })).toBe('ok')
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255])
    expect(await chA.send({ type: 'broadcast', event: 'bin', payload: bytes.buffer })).toBe('ok')
    expect(await chA.send({ type: 'broadcast', event: 'json', payload: { n: 2 } })).toBe('ok')
    const [first, binary, last] = await atB.count(3)
    expect([first?.payload, last?.payload]).toEqual([{ n: 1 }, { n: 2 }])
    expect(binary?.payload).toBeInstanceOf(ArrayBuffer)
    expect([...new Uint8Array(binary?.payload as ArrayBuffer)]).toEqual([...bytes])
  })

  test('a send its host refuses rejects with a RealtimeError (instanceof works in the tab)', async () => {
    const channel = client().channel(uniqueTopic('refused'))
    channel.subscribe()
    const refused = channel.send({ type: 'broadcast', event: 'e', payload: {} }, { durable: true, ttlMs: 0 })
    await expect(refused).rejects.toBeInstanceOf(RealtimeError)
    // the worker checks the arguments itself; the in-page engine throws, with no kind to carry
    const kind = host === 'page' ? 'error' : 'bad-request'
    await expect(refused).rejects.toMatchObject({ name: 'RealtimeError', kind, retryable: false })
  })

  test('a payload over the size limit rejects with payload-too-large for its sender; the channel goes on', async () => {
    const topic = uniqueTopic('big')
    const [a, b] = [client(), client()]
    const atB = collector<unknown>()
    const chA = a.channel(topic, { config: { broadcast: { ack: true } } })
    const chB = b.channel(topic).on('broadcast', { event: 'small' }, (p) => atB.push(p))
    expect(await subscribed(chA)).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribed(chB)).toEqual({ status: 'SUBSCRIBED' })
    const huge = { blob: 'x'.repeat(3_500_000) }
    const refused = chA.send({ type: 'broadcast', event: 'big', payload: huge })
    await expect(refused).rejects.toBeInstanceOf(RealtimeError)
    await expect(refused).rejects.toMatchObject({ kind: 'payload-too-large', retryable: false })
    await expect(chA.track(huge)).rejects.toMatchObject({ kind: 'payload-too-large' })
    expect(await chA.send({ type: 'broadcast', event: 'small', payload: { n: 1 } })).toBe('ok')
    expect(await atB.count(1)).toEqual([{ type: 'broadcast', event: 'small', payload: { n: 1 } }])
  })

  test('presence: sync, join and leave between two clients', async () => {
    const topic = uniqueTopic('pres')
    const [a, b] = [client({}, 'alice'), client({}, 'bob')] // two browsers: presence is one entry per browser
    const joins = collector<{ key: string }>()
    const leaves = collector<{ key: string }>()
    const syncs = collector<unknown>()
    const chA = a
      .channel(topic, { config: { presence: { key: 'alice' } } })
      .on('presence', { event: 'sync' }, () => syncs.push(1))
      .on('presence', { event: 'join' }, (p) => joins.push(p as never))
      .on('presence', { event: 'leave' }, (p) => leaves.push(p as never))
    const chB = b.channel(topic, { config: { presence: { key: 'bob' } } }).on('presence', { event: 'sync' }, () => {})
    await subscribed(chA)
    await subscribed(chB)
    await chA.track({ name: 'Alice' })
    await chB.track({ name: 'Bob' })
    await joins.count(2)
    expect(syncs.items.length).toBeGreaterThanOrEqual(2)
    expect(Object.keys(chA.presenceState()).toSorted()).toEqual(['alice', 'bob'])
    expect(chA.presenceState().bob).toEqual([{ presence_ref: expect.any(String), name: 'Bob' }])
    await chB.untrack()
    expect((await leaves.count(1))[0]!.key).toBe('bob')
  })

  test('postgres_changes: a filtered subscription gets INSERT, UPDATE and DELETE of its rows only', async () => {
    const list = 1000 + topicCounter
    const c = client()
    const changes = collector<{ eventType: string; new: Record<string, unknown>; old: Record<string, unknown> }>()
    const ch = c
      .channel(uniqueTopic('pg'))
      .on('postgres_changes', { event: '*', schema: 'public', table: 'todos', filter: `list_id=eq.${list}` }, (p) =>
        changes.push(p as never),
      )
    expect(await subscribed(ch)).toEqual({ status: 'SUBSCRIBED' })
    const sql = (text: string) => commands.realtimeAdmin('/admin/sql', { sql: text })
    await sql(`insert into todos (list_id, title) values (${list + 1}, 'other'), (${list}, 'mine')`)
    await sql(`update todos set done = true where list_id = ${list}`)
    await sql(`delete from todos where list_id = ${list}`)
    const got = await changes.count(3)
    expect(got.map((p) => p.eventType)).toEqual(['INSERT', 'UPDATE', 'DELETE'])
    expect(got[0]!.new).toMatchObject({ list_id: list, title: 'mine', done: false })
    expect(got[2]!.old).toMatchObject({ list_id: list, done: true })
  })

  test('private channels: allowed with a policy, refused once and for good without', async () => {
    const c = client()
    await c.setAuth(await commands.realtimeToken({ sub: 'u1' }))
    expect(await subscribed(c.channel('private-room', { config: { private: true } }))).toEqual({ status: 'SUBSCRIBED' })
    const statuses = collector<string>()
    const refused = c.channel('not-allowed', { config: { private: true } })
    const first = new Promise<Error | undefined>((resolve) =>
      refused.subscribe((status, error) => (statuses.push(status), resolve(error))),
    )
    const error = await first
    expect(error?.message).toBe(
      'Unauthorized: You do not have permissions to read from this Channel topic: not-allowed',
    )
    expect(refused.state).toBe('failed')
    expect(statuses.items).toEqual(['CHANNEL_ERROR'])
  })

  test('accessToken: the provider is asked, and its token joins the private channel', async () => {
    const token = await commands.realtimeToken({ sub: 'u2' })
    let asked = 0
    const c = client({ accessToken: async () => (asked++, token) })
    expect(await subscribed(c.channel('user:u2', { config: { private: true } }))).toEqual({ status: 'SUBSCRIBED' })
    expect(asked).toBeGreaterThanOrEqual(1)
    expect(c.accessTokenValue).toBe(token)
  })

  test('removeChannel: CLOSED, removed from getChannels, and the server channel goes', async () => {
    const topic = uniqueTopic('rm')
    const c = client()
    const ch = c.channel(topic)
    await subscribed(ch)
    expect(c.getChannels()).toContain(ch)
    expect(await c.removeChannel(ch)).toBe('ok')
    expect(c.getChannels()).not.toContain(ch)
    expect(ch.state).toBe('closed')
  })

  test('deferred disconnect: the socket closes disconnectOnEmptyChannelsAfterMs after the last channel goes', async () => {
    const c = client({ disconnectOnEmptyChannelsAfterMs: 300 })
    const states = collector<string>()
    c.onStatusChange((status) => states.push(status.state))
    const ch = c.channel(uniqueTopic('deferred'))
    await subscribed(ch)
    expect(c.isConnected()).toBe(true)
    await c.removeChannel(ch)
    await expect.poll(() => c.connectionState(), { timeout: 5000 }).toBe('closed')
    expect(states.items.at(-1)).toBe('disconnected')
  })

  test("removeAllChannels(): this client reads closed at once, the other client of its engine keeps receiving; the last one's closes the socket", async () => {
    const sockets = async () => ((await commands.realtimeAdmin('/admin/stats')).body as { sockets: number }).sockets
    const topic = uniqueTopic('rm-all')
    const [a, b] = [client({}, 'rm-all'), client({}, 'rm-all')] // one engine (one socket), but for 'worker'
    const atB = collector<unknown>()
    const chA = a.channel(topic, { config: { broadcast: { ack: true } } })
    expect(await subscribed(chA)).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribed(b.channel(topic).on('broadcast', { event: 'msg' }, (p) => atB.push(p)))).toEqual({
      status: 'SUBSCRIBED',
    })
    const sender = client({}, 'rm-all-sender')
    const out = sender.channel(topic, { config: { broadcast: { ack: true } } })
    expect(await subscribed(out)).toEqual({ status: 'SUBSCRIBED' })
    expect(await a.removeAllChannels()).toEqual(['ok'])
    expect([a.isConnected(), a.connectionState(), a.getChannels(), b.isConnected()]).toEqual([
      false,
      'closed',
      [],
      true,
    ])
    expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok')
    expect(await atB.count(1)).toEqual([{ type: 'broadcast', event: 'msg', payload: { n: 1 } }])
    await sender.removeAllChannels()
    const before = await sockets()
    expect(await b.removeAllChannels()).toEqual(['ok'])
    // the socket b used has closed when the call returns: the server counts one socket less at once
    expect([b.isConnected(), b.connectionState(), await sockets()]).toEqual([false, 'closed', before - 1])
  })

  test('heartbeatCallback gets each heartbeat with its round-trip time', async () => {
    const beats = collector<{ status: string; latency?: number }>()
    const c = client({
      heartbeatIntervalMs: 200,
      heartbeatCallback: (status, latency) => beats.push(latency === undefined ? { status } : { status, latency }),
    })
    await subscribed(c.channel(uniqueTopic('hb')))
    const got = await beats.count(2)
    expect(got.map((b) => b.status)).toContain('ok')
    expect(got.find((b) => b.status === 'ok')!.latency).toBeGreaterThanOrEqual(0)
  })

  test('two users in one browser: each client on its own engine, each private join with its own token', async () => {
    const [a, b] = [client(), client()]
    await a.setAuth(await commands.realtimeToken({ sub: 'u1' }))
    await b.setAuth(await commands.realtimeToken({ sub: 'u2' }))
    expect(await subscribed(a.channel('user:u1', { config: { private: true } }))).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribed(b.channel('user:u2', { config: { private: true } }))).toEqual({ status: 'SUBSCRIBED' })
    // and a's next join still carries u1's token (one socket per user: b's setAuth did not replace it)
    expect(await subscribed(a.channel('private-room', { config: { private: true } }))).toEqual({ status: 'SUBSCRIBED' })
    const identity = async (c: RealtimeClient) => ((await c.inspect()).engine as { identity: string }).identity
    expect([await identity(a), await identity(b)]).toEqual(['authenticated:u1', 'authenticated:u2'])
  })

  test('sign-in moves the client to its user’s engine: its channel is joined there when setAuth resolves', async () => {
    const topic = uniqueTopic('move')
    const [app, sender] = [client(), client({}, 'sender')]
    const got = collector<unknown>()
    const system = collector<string>()
    const ch = app
      .channel(topic)
      .on('broadcast', { event: 'msg' }, (m: { payload: unknown }) => got.push(m.payload))
      .on('system', {}, (m: { message?: string }) => system.push(String(m.message)))
    const out = sender.channel(topic, { config: { broadcast: { ack: true } } })
    expect(await subscribed(ch)).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribed(out)).toEqual({ status: 'SUBSCRIBED' })
    await app.setAuth(await commands.realtimeToken({ sub: 'mover' }))
    expect(ch.state).toBe('joined')
    expect(((await app.inspect()).engine as { identity: string }).identity).toBe('authenticated:mover')
    await system.until((message) => message === 'resubscribed')
    expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok')
    expect(await got.count(1)).toEqual([{ n: 1 }])
  })

  test('presence keys: a second key on a channel this user has joined is refused with presence-key-conflict', async () => {
    const topic = uniqueTopic('keys')
    const [observer, other] = [client(), client()]
    expect(await subscribed(observer.channel(topic, { config: { presence: { key: 'observer' } } }))).toEqual({
      status: 'SUBSCRIBED',
    })
    const second = other.channel(topic, { config: { presence: { key: 'client-0' } } })
    const outcome = { ...(await subscribed(second)), removed: await other.removeChannel(second) }
    // a dedicated worker per client is an engine of its own, so its own channel and key; refused elsewhere, the
    // channel has nothing to leave: CLOSED at once
    const refused = { status: 'CHANNEL_ERROR', error: expect.objectContaining({ kind: 'presence-key-conflict' }) }
    expect(outcome).toEqual(host === 'worker' ? { status: 'SUBSCRIBED', removed: 'ok' } : { ...refused, removed: 'ok' })
  })

  test('inspect shows the host and the shared engine', async () => {
    const c = client()
    await subscribed(c.channel(uniqueTopic('inspect')))
    const snapshot = await c.inspect()
    expect(snapshot.host).toBe(host)
    expect(snapshot.engine).toMatchObject({ connection: { state: 'connected' } })
  })
})
