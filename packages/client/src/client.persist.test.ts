// Broadcast persistence (realtime-js 2.119, issue #15) with the in-page host in Node against the dev server:
// `send({ …, persist })` on a private channel over vsn 2.0.0 is stored for replay; on a public channel, over vsn
// 1.0.0 or through the REST fallback it resolves 'error' and says why, as realtime-js does; `httpSend(…, {
// persist })` adds `persist=true` / `persist[ttl]=N` and refuses a public channel.

import { createHmac } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { startServer, type RunningServer } from '@shared-realtime/server'
import { collector } from '@shared-realtime/test-support/collector'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient, type RealtimeChannel, type RealtimeClientOptions } from './index.ts'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({
    port: 0,
    log: 'silent',
    policies: fileURLToPath(new URL('../../../scripts/test-policies.json', import.meta.url)),
  })
})
afterAll(() => server.close())

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
function userToken(sub: string): string {
  const claims = { role: 'authenticated', sub, exp: Math.floor(Date.now() / 1000) + 3600 }
  const unsigned = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`
  return `${unsigned}.${createHmac('sha256', server.jwtSecret).update(unsigned).digest('base64url')}`
}

const logged: string[] = []
const client = (app: string, options: RealtimeClientOptions = {}) =>
  new RealtimeClient(server.url, {
    params: { apikey: server.keys.anon, app },
    transport: WebSocket as never,
    logger: (_kind, message) => logged.push(message),
    ...options,
  })

const subscribed = (channel: RealtimeChannel) =>
  new Promise<string>((resolve) =>
    channel.subscribe((status, error) => resolve(error ? `${status}: ${error.message}` : status)),
  )

test('persist where it cannot be kept: error, and the client says why', async () => {
  const app = client('persist-refused')
  const pub = app.channel(`pub-${Date.now()}`)
  expect(await subscribed(pub)).toBe('SUBSCRIBED')
  expect(await pub.send({ type: 'broadcast', event: 'e', payload: {}, persist: true })).toBe('error')
  expect(logged.at(-1)).toBe('Realtime send() cannot store a message on a public channel.')

  const old = client('persist-vsn1', { vsn: '1.0.0' })
  await old.setAuth(userToken('p1'))
  expect(
    await old
      .channel('private-room', { config: { private: true } })
      .send({ type: 'broadcast', event: 'e', payload: {}, persist: true }),
  ).toBe('error')
  expect(logged.at(-1)).toMatch(/cannot store a message with protocol 1.0.0/)

  const never = app.channel('private-room', { config: { private: true } }) // never subscribed: the REST fallback
  expect(await never.send({ type: 'broadcast', event: 'e', payload: {}, persist: { ttl: 60 } })).toBe('error')
  expect(logged.at(-1)).toMatch(/fell back to REST and cannot store this message/)
  await expect(pub.httpSend('e', { n: 1 }, { persist: true })).rejects.toThrow(
    'Realtime httpSend() cannot store a message on a public channel.',
  )
  await Promise.all([app.removeAllChannels(), old.removeAllChannels()])
})

test('persist on a private channel over vsn 2.0.0 is stored: a later join with replay receives it', async () => {
  const since = Date.now()
  const sender = client('persist-sender')
  await sender.setAuth(userToken('p2'))
  const room = sender.channel('private-room', { config: { private: true, broadcast: { ack: true } } })
  expect(await subscribed(room)).toBe('SUBSCRIBED')
  expect(await room.send({ type: 'broadcast', event: 'note', payload: { n: 0 } })).toBe('ok') // not stored
  expect(await room.send({ type: 'broadcast', event: 'note', payload: { n: 1 }, persist: true })).toBe('ok')
  expect(await room.httpSend('note', { n: 2 }, { persist: { ttl: 60 } })).toEqual({ success: true })

  const later = client('persist-reader')
  await later.setAuth(userToken('p3'))
  const got = collector<unknown>()
  const replayed = later
    .channel('private-room', { config: { private: true, broadcast: { replay: { since, limit: 10 } } } })
    .on('broadcast', { event: 'note' }, (m: { payload: unknown }) => got.push(m.payload))
  expect(await subscribed(replayed)).toBe('SUBSCRIBED')
  expect(await got.count(2)).toEqual([{ n: 1 }, { n: 2 }])
  await Promise.all([sender.removeAllChannels(), later.removeAllChannels()])
})
