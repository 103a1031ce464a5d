// Durable sends and who they belong to, in real Chromium against the dev server, for every
// host (issue #13): an item stored while user X is signed in is not sent after a switch to
// user Y (it stays stored) and goes out once X is back; client.clearDurable() deletes the
// origin's items before they go out; inspect() says the storage is IndexedDB. The receiver is
// a bare WebSocket (another browser), so what it gets came from the server.

import { createStore, get } from 'idb-keyval'
import { afterEach, describe, expect, inject, test } from 'vitest'
import { commands } from 'vitest/browser'
import { buildJoinPayload } from '@shared-realtime/protocol'
import type { DurableEntry } from '@shared-realtime/engine'
import { IDB_DATABASE, IDB_STORE } from './host/idb-storage.ts'
import { RealtimeClient, type RealtimeChannel } from './index.ts'
import { collector } from '@shared-realtime/test-support/collector'

const HOSTS = ['shared-worker', 'worker', 'page'] as const
const { url, anon } = inject('realtime')

let topics = 0
const uniqueTopic = (name: string) => `${name}-${Date.now().toString(36)}-${topics++}`
const message = (n: number) => ({ type: 'broadcast', event: 'msg', payload: { n } })

/** Another browser: a bare socket joined to `topic`, recording the broadcasts the server sends it. */
async function receiver(topic: string) {
  const ws = new WebSocket(`${url}/websocket?apikey=${anon}&vsn=1.0.0`)
  const got = collector<unknown>()
  const joined = new Promise<unknown>((resolve) => {
    ws.addEventListener('message', (event: MessageEvent<string>) => {
      const frame = JSON.parse(event.data) as { event: string; ref: string | null; payload: { status?: string } }
      if (frame.event === 'phx_reply' && frame.ref === '1') resolve(frame.payload.status)
      if (frame.event === 'broadcast') got.push(frame.payload)
    })
  })
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve)
    ws.addEventListener('error', reject)
  })
  const full = `realtime:${topic}`
  const payload = buildJoinPayload({ topic: full, config: {} })
  ws.send(JSON.stringify({ topic: full, event: 'phx_join', payload, ref: '1', join_ref: '1' }))
  expect(await joined).toBe('ok')
  sockets.push(ws)
  return got
}

/** The live durable items of a topic, read from IndexedDB as an engine would. */
async function stored(topic: string): Promise<DurableEntry[]> {
  const items = await get<Array<DurableEntry | { done: true }>>(
    JSON.stringify(['outbox', url, `realtime:${topic}`]),
    createStore(IDB_DATABASE, IDB_STORE),
  )
  return (items ?? []).filter((item): item is DurableEntry => !('done' in item))
}

function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => status !== 'CLOSED' && resolve(status)))
}

const faults = (body: Record<string, unknown>) => commands.realtimeAdmin('/admin/faults', body)
const sockets: WebSocket[] = []
const clients: RealtimeClient[] = []
afterEach(async () => {
  await faults({ reset: true })
  for (const c of clients.splice(0)) await c.removeAllChannels().catch(() => {})
  for (const ws of sockets.splice(0)) ws.close()
})

let testId = 0
const client = (host: (typeof HOSTS)[number], name: string) => {
  const c = new RealtimeClient(url, { params: { apikey: anon, test: `identity-${host}-${testId++}-${name}` }, host })
  clients.push(c)
  return c
}

describe.each(HOSTS)('host %s', (host) => {
  test('stored while X is signed in: not sent under Y, kept, and sent once X is back', async () => {
    const topic = uniqueTopic('durable-identity')
    const got = await receiver(topic)
    const x = await commands.realtimeToken({ sub: 'user-x' })
    const y = await commands.realtimeToken({ sub: 'user-y' })
    const c = client(host, 'sender')
    await c.setAuth(x)
    await faults({ joins: { delayMs: 1000 } })
    const channel = c.channel(topic, { config: { broadcast: { ack: true } } })
    const joined = subscribed(channel)
    const sent = channel.send(message(1), { durable: true })
    await expect.poll(() => stored(topic)).toMatchObject([{ identity: 'authenticated:user-x' }])
    await c.setAuth(y) // X signs out, Y signs in, before the join
    expect(await joined).toBe('SUBSCRIBED')
    expect(await channel.send(message(2))).toBe('ok')
    expect(await got.count(1)).toEqual([message(2)]) // X's item did not go out before Y's message
    expect(await stored(topic)).toMatchObject([{ payload: message(1), identity: 'authenticated:user-x' }])
    await c.setAuth(x) // X is back: its item goes out under its token
    expect(await got.count(2)).toEqual([message(2), message(1)])
    await expect.poll(() => stored(topic)).toEqual([])
    expect(['ok', 'timed out']).toContain(await sent)
  })

  test('clearDurable() deletes the stored items before they go out, and says how many', async () => {
    const topic = uniqueTopic('durable-clear')
    const got = await receiver(topic)
    const c = client(host, 'clear')
    await faults({ joins: { delayMs: 1000 } })
    const channel = c.channel(topic, { config: { broadcast: { ack: false } } })
    const joined = subscribed(channel)
    expect(await channel.send(message(1), { durable: true })).toBe('ok')
    expect(await channel.send(message(2), { durable: true })).toBe('ok')
    expect(await stored(topic)).toHaveLength(2)
    expect(await c.clearDurable()).toBeGreaterThanOrEqual(2) // the origin's: other leftovers count too
    expect(await stored(topic)).toEqual([])
    expect(await joined).toBe('SUBSCRIBED')
    expect(await channel.send(message(3))).toBe('ok')
    expect(await got.count(1)).toEqual([message(3)])
    expect(await c.clearDurable()).toBe(0)
    expect((await c.inspect()).engine).toMatchObject({ durable: { storage: 'indexeddb' } })
  })
})
