// removeChannel / removeAllChannels / disconnect read as realtime-js's when the awaited call returns, for the
// calling client (issue #13), with the in-page host in Node (`transport: ws`) against the real dev server: two
// clients of one engine (one socket) and a third on an engine of its own. One client's removeAllChannels() →
// it reads closed at once while the other keeps receiving; the last one's → the server has no socket left.

import { startServer, type RunningServer } from '@shared-realtime/server'
import { collector } from '@shared-realtime/test-support/collector'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient, type RealtimeChannel } from './index.ts'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ port: 0, log: 'silent', admin: true })
})
afterAll(() => server.close())

async function sockets(): Promise<number> {
  const res = await fetch(`${server.httpUrl}/admin/stats`, {
    headers: { Authorization: `Bearer ${server.keys.service_role}` },
  })
  return ((await res.json()) as { sockets: number }).sockets
}

/** A client on the engine named `engine` (equal params: one engine, one socket). */
const client = (engine: string) =>
  new RealtimeClient(server.url, {
    params: { apikey: server.keys.anon, test: engine },
    transport: WebSocket as never,
    disconnectOnEmptyChannelsAfterMs: 50_000, // realtime-js's default: the socket would stay 50 s
  })

const subscribed = (channel: RealtimeChannel) =>
  new Promise<string>((resolve) => channel.subscribe((status) => status !== 'CLOSED' && resolve(status)))

test('removeAllChannels(): the calling client reads closed at once; the other keeps receiving; the last one closes the socket', async () => {
  const [a, b, sender] = [client('shared'), client('shared'), client('sender')]
  const topic = `rm-all-${Date.now()}`
  const atB = collector<unknown>()
  expect(await subscribed(a.channel(topic))).toBe('SUBSCRIBED')
  expect(await subscribed(b.channel(topic).on('broadcast', { event: 'msg' }, (p) => atB.push(p)))).toBe('SUBSCRIBED')
  const out = sender.channel(topic, { config: { broadcast: { ack: true } } })
  expect(await subscribed(out)).toBe('SUBSCRIBED')
  expect(await sockets()).toBe(2)

  const statuses: string[] = []
  a.onStatusChange((s) => statuses.push(s.state))
  expect(await a.removeAllChannels()).toEqual(['ok'])
  const readAtA = { connected: a.isConnected(), state: a.connectionState(), channels: a.getChannels().length }
  const readAtB = { connected: b.isConnected(), state: b.connectionState(), channels: b.getChannels().length }
  expect({ readAtA, readAtB, statuses, sockets: await sockets() }).toEqual({
    readAtA: { connected: false, state: 'closed', channels: 0 },
    readAtB: { connected: true, state: 'open', channels: 1 },
    statuses: ['connected', 'disconnected'], // the current state on registration, then the change
    sockets: 2, // the shared socket stays: b still has a channel
  })
  // b keeps receiving on the shared socket
  expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok')
  expect(await atB.count(1)).toEqual([{ type: 'broadcast', event: 'msg', payload: { n: 1 } }])
  expect(a.isConnected()).toBe(false) // the shared socket's events do not reopen a closed client

  // the last client of the engine: the socket has closed when the call returns
  expect(await b.removeAllChannels()).toEqual(['ok'])
  expect({ connected: b.isConnected(), state: b.connectionState(), sockets: await sockets() }).toEqual({
    connected: false,
    state: 'closed',
    sockets: 1, // the sender's only
  })
  expect(await sender.removeAllChannels()).toEqual(['ok'])
  expect(await sockets()).toBe(0)

  // a closed client that subscribes again reads the connection again
  const again = a.channel(`${topic}-again`)
  expect(await subscribed(again)).toBe('SUBSCRIBED')
  expect([a.isConnected(), a.connectionState(), await sockets()]).toEqual([true, 'open', 1])
  await a.removeAllChannels()
  expect(await sockets()).toBe(0)
})

test('disconnect() of the only client: the socket has closed when it returns; its channel stays listed (realtime-js)', async () => {
  const c = client('alone')
  const channel = c.channel(`dc-${Date.now()}`)
  expect(await subscribed(channel)).toBe('SUBSCRIBED')
  expect(await sockets()).toBe(1)
  const seen: string[] = []
  channel.onStatusChange((status) => seen.push(status))
  expect(await c.disconnect()).toBe('ok')
  expect({
    connected: c.isConnected(),
    state: c.connectionState(),
    channels: c.getChannels(),
    sockets: await sockets(),
  }).toEqual({ connected: false, state: 'closed', channels: [channel], sockets: 0 })
  // connect() rejoins it (realtime-js: a later connect() rejoins the channels)
  const rejoined = new Promise<void>((resolve) =>
    channel.onStatusChange((status) => status === 'SUBSCRIBED' && resolve()),
  )
  c.connect()
  await rejoined
  expect([c.isConnected(), await sockets(), seen]).toEqual([true, 1, ['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED']])
  await c.removeAllChannels()
  expect(await sockets()).toBe(0)
})

test('removeChannel() of the last channel: CLOSED and unlisted at once; the socket closes after the deferred delay, as in realtime-js', async () => {
  const c = client('rm-one')
  const channel = c.channel(`rm-one-${Date.now()}`)
  expect(await subscribed(channel)).toBe('SUBSCRIBED')
  expect(await c.removeChannel(channel)).toBe('ok')
  expect({ state: channel.state, channels: c.getChannels(), connected: c.isConnected() }).toEqual({
    state: 'closed',
    channels: [],
    connected: true,
  })
  await c.disconnect()
  expect(await sockets()).toBe(0)
})
