// Runs in the tab (Vitest browser project). The scene of the durable-send browser tests: clients of
// every host against the dev server, another browser as a bare WebSocket that records what the server
// broadcasts, the topic's stored items read from IndexedDB as an engine reads them, and the dev
// server's faults (reset, with every client and socket, after each test).

import { createStore, get } from 'idb-keyval'
import { afterEach, expect, inject } from 'vitest'
import { commands } from 'vitest/browser'
import { buildJoinPayload } from '@shared-realtime/protocol'
import type { DurableEntry } from '@shared-realtime/engine'
import { collector } from '@shared-realtime/test-support/collector'
import { IDB_DATABASE, IDB_STORE } from '../host/idb-storage.ts'
import { RealtimeClient, type RealtimeChannel } from '../index.ts'
import { hostsUnderTest } from './hosts.ts'

export const HOSTS = hostsUnderTest(['shared-worker', 'worker', 'page'])
export type Host = (typeof HOSTS)[number]

let topics = 0
export const uniqueTopic = (name: string) => `${name}-${Date.now().toString(36)}-${topics++}`
export const message = (n: number) => ({ type: 'broadcast', event: 'msg', payload: { n } })
export const faults = (body: Record<string, unknown>) => commands.realtimeAdmin('/admin/faults', body)

export function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => status !== 'CLOSED' && resolve(status)))
}

/** The live (not yet acknowledged) durable items of a topic, read from IndexedDB as an engine would. */
export async function stored(topic: string): Promise<DurableEntry[]> {
  const { url } = inject('realtime')
  const items = await get<Array<DurableEntry | { done: true }>>(
    JSON.stringify(['outbox', url, `realtime:${topic}`]),
    createStore(IDB_DATABASE, IDB_STORE),
  )
  return (items ?? []).filter((item): item is DurableEntry => !('done' in item))
}

/**
 * The scene for one test file: `client(host, name)` makes a client with params of its own (a fresh engine),
 * `receiver(topic)` another browser joined to `topic`. Both are closed, and the faults reset, after each test.
 */
export function durableScene(prefix: string) {
  const { url, anon } = inject('realtime')
  const sockets: WebSocket[] = []
  const clients: RealtimeClient[] = []
  let testId = 0
  afterEach(async () => {
    await faults({ reset: true })
    for (const c of clients.splice(0)) await c.removeAllChannels().catch(() => {})
    for (const ws of sockets.splice(0)) ws.close()
  })

  const client = (host: Host, name: string) => {
    const test = `${prefix}-${host}-${testId++}-${name}`
    const c = new RealtimeClient(url, { params: { apikey: anon, test }, host })
    clients.push(c)
    return c
  }

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

  return { client, receiver }
}
