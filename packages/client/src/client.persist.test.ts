// Broadcast persistence (realtime-js 2.119, issue #15, docs/decisions.md 70), side by side with realtime-js against
// the dev server (this client with its in-page host in Node, `transport: ws`): `send({ …, persist })` on a private
// channel over vsn 2.0.0 is stored for replay; on a public channel, over vsn 1.0.0 or through the REST fallback it
// resolves 'error' and says why; `httpSend(…, { persist })` adds `persist=true` / `persist[ttl]=N` and refuses a
// public channel. Each scenario runs once per client; the two must agree.

import { collector } from '@shared-realtime/test-support/collector'
import { RealtimeClient as TheirClient } from '@supabase/realtime-js'
import { describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient as OurClient } from './index.ts'
import { useDevServer } from './test-support/dev-server.ts'

const dev = useDevServer()
const { userToken } = dev

/** The part of both clients these scenarios use. */
interface Channel {
  subscribe(callback: (status: string, error?: Error) => void): unknown
  send(args: Record<string, unknown>): Promise<string>
  httpSend(event: string, payload: unknown, opts?: Record<string, unknown>): Promise<unknown>
  on(type: string, filter: Record<string, unknown>, callback: (m: { payload: unknown }) => void): Channel
}
interface Client {
  channel(topic: string, params?: Record<string, unknown>): unknown
  setAuth(token: string): Promise<void>
  removeAllChannels(): Promise<unknown>
}

const CLIENTS = { 'realtime-js': TheirClient, 'this client': OurClient } as const

describe.each(Object.keys(CLIENTS) as Array<keyof typeof CLIENTS>)('%s', (name) => {
  const logged: string[] = []
  const make = (app: string, options: Record<string, unknown> = {}): Client =>
    new (CLIENTS[name] as unknown as new (url: string, options: object) => Client)(dev.server.url, {
      params: { apikey: dev.server.keys.anon, app: `${name}-${app}` },
      transport: WebSocket,
      logger: (_kind: string, message: string) => logged.push(message),
      ...options,
    })
  const channel = (client: Client, topic: string, params?: Record<string, unknown>) =>
    client.channel(topic, params) as Channel
  const subscribed = (ch: Channel) =>
    new Promise<string>((resolve) =>
      ch.subscribe((status, error) => resolve(error ? `${status}: ${error.message}` : status)),
    )

  test('persist where it cannot be kept: error, and the client says why', async () => {
    const app = make('refused')
    const pub = channel(app, `pub-${name}-${Date.now()}`)
    expect(await subscribed(pub)).toBe('SUBSCRIBED')
    expect(await pub.send({ type: 'broadcast', event: 'e', payload: {}, persist: true })).toBe('error')
    expect(logged.at(-1)).toBe('Realtime send() cannot store a message on a public channel.')

    const old = make('vsn1', { vsn: '1.0.0' })
    await old.setAuth(userToken('p1'))
    const oldRoom = channel(old, 'private-room', { config: { private: true } })
    expect(await oldRoom.send({ type: 'broadcast', event: 'e', payload: {}, persist: true })).toBe('error')
    expect(logged.at(-1)).toMatch(/cannot store a message with protocol 1.0.0/)

    const never = channel(app, 'private-room', { config: { private: true } }) // never subscribed: the REST fallback
    expect(await never.send({ type: 'broadcast', event: 'e', payload: {}, persist: { ttl: 60 } })).toBe('error')
    expect(logged.at(-1)).toMatch(/fell back to REST and cannot store this message/)
    await expect(pub.httpSend('e', { n: 1 }, { persist: true })).rejects.toThrow(
      'Realtime httpSend() cannot store a message on a public channel.',
    )
    await Promise.all([app.removeAllChannels(), old.removeAllChannels()])
  })

  test('persist on a private channel over vsn 2.0.0 is stored: a later join with replay receives it', async () => {
    const since = Date.now()
    const topic = `private-room`
    const sender = make('sender')
    await sender.setAuth(userToken('p2'))
    const room = channel(sender, topic, { config: { private: true, broadcast: { ack: true } } })
    expect(await subscribed(room)).toBe('SUBSCRIBED')
    const n = (i: number) => ({ client: name, n: i })
    expect(await room.send({ type: 'broadcast', event: 'note', payload: n(0) })).toBe('ok') // not stored
    expect(await room.send({ type: 'broadcast', event: 'note', payload: n(1), persist: true })).toBe('ok')
    expect(await room.httpSend('note', n(2), { persist: { ttl: 60 } })).toEqual({ success: true })

    const later = make('reader')
    await later.setAuth(userToken('p3'))
    const got = collector<unknown>()
    const replayed = channel(later, topic, {
      config: { private: true, broadcast: { replay: { since, limit: 25 } } },
    }).on('broadcast', { event: 'note' }, (m) => got.push(m.payload))
    expect(await subscribed(replayed)).toBe('SUBSCRIBED')
    await got.count(2)
    expect(got.items.filter((p) => (p as { client?: string }).client === name)).toEqual([n(1), n(2)])
    await Promise.all([sender.removeAllChannels(), later.removeAllChannels()])
  })
})
