// The REST broadcast API over real HTTP (PROTOCOL.md §4), received by a raw socket.
import { describe, expect, test } from 'vitest'
import { policiesFromRules } from './policies/index.ts'
import { RawClient } from './test-support/raw-client.ts'
import { token, useServer } from './test-support/server.ts'

const ctx = useServer({
  policies: policiesFromRules([{ topic: 'vip', role: 'authenticated', broadcast: ['read', 'write'] }]),
})

async function post(path: string, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string>) {
  const res = await fetch(`${ctx.server.httpUrl}${path}`, { method: 'POST', body, headers })
  const text = await res.text()
  return { status: res.status, body: text, cors: res.headers.get('access-control-allow-origin') }
}
const auth = () => ({ apikey: ctx.server.keys.anon, 'content-type': 'application/json' })

describe('POST /realtime/v1/api/broadcast', () => {
  test('delivers each message to the joiners of realtime:<topic>, with meta.id when given', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    await client.join('realtime:news', { config: {} })
    const body = JSON.stringify({
      messages: [
        { topic: 'news', event: 'E', payload: { a: 1 } },
        { topic: 'news', event: 'F', payload: {}, id: 'm-1' },
      ],
    })
    expect(await post('/realtime/v1/api/broadcast', body, auth())).toEqual({ status: 202, body: '', cors: '*' })
    expect((await client.next()).message).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:news',
      event: 'broadcast',
      payload: { event: 'E', payload: { a: 1 }, type: 'broadcast' },
    })
    expect((await client.next()).message.payload).toEqual({
      event: 'F',
      payload: {},
      type: 'broadcast',
      meta: { id: 'm-1' },
    })
    await client.close()
  })

  test('answers 401 {"message":"Unauthorized"} without a valid key', async () => {
    expect(
      await post('/realtime/v1/api/broadcast', '{"messages":[]}', { 'content-type': 'application/json' }),
    ).toMatchObject({ status: 401, body: '{"message":"Unauthorized"}' })
  })

  test('answers 422 with one error map per message', async () => {
    const body = JSON.stringify({
      messages: [
        { topic: 'news', event: 'E' },
        { topic: 'news', event: 'E', payload: {} },
      ],
    })
    const res = await post('/realtime/v1/api/broadcast', body, auth())
    expect(res.status).toBe(422)
    expect(JSON.parse(res.body)).toEqual({ errors: { messages: [{ payload: ["can't be blank"] }, {}] } })
  })

  test('skips private messages the caller may not write, still answering 202', async () => {
    const member = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    expect(
      (
        await member.join('realtime:vip', {
          config: { private: true },
          access_token: await token(ctx.server, { sub: 'x' }),
        })
      ).payload,
    ).toMatchObject({ status: 'ok' })
    const anon = JSON.stringify({ messages: [{ topic: 'vip', event: 'E', payload: { from: 'anon' }, private: true }] })
    expect((await post('/realtime/v1/api/broadcast', anon, auth())).status).toBe(202)
    const user = await token(ctx.server, { sub: 'y' })
    const allowed = JSON.stringify({
      messages: [{ topic: 'vip', event: 'E', payload: { from: 'user' }, private: true }],
    })
    expect(
      (await post('/realtime/v1/api/broadcast', allowed, { ...auth(), authorization: `Bearer ${user}` })).status,
    ).toBe(202)
    const got = await member.next((m) => m.event === 'broadcast')
    expect(got.message.payload).toMatchObject({ event: 'E', payload: { from: 'user' } })
    expect(await member.barrier()).toEqual([])
    await member.close()
  })

  test('answers a CORS preflight', async () => {
    const res = await fetch(`${ctx.server.httpUrl}/realtime/v1/api/broadcast`, {
      method: 'OPTIONS',
      headers: { 'access-control-request-headers': 'apikey, content-type' },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
  })
})

describe('POST /realtime/v1/api/broadcast/:topic/events/:event', () => {
  test('a JSON body is the payload', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    await client.join('realtime:single', { config: {} })
    expect((await post('/realtime/v1/api/broadcast/single/events/hello', '{"x":1}', auth())).status).toBe(202)
    expect((await client.next()).message.payload).toEqual({ event: 'hello', payload: { x: 1 }, type: 'broadcast' })
    await client.close()
  })

  test('an octet-stream body arrives as a binary (kind-4) broadcast', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    await client.join('realtime:single-bin', { config: {} })
    const res = await post('/realtime/v1/api/broadcast/single-bin/events/raw', new Uint8Array([7, 8]), {
      apikey: ctx.server.keys.anon,
      'content-type': 'application/octet-stream',
    })
    expect(res.status).toBe(202)
    const got = await client.next()
    expect(got.binary).toBe(true)
    expect(got.message.payload).toEqual({ type: 'broadcast', event: 'raw', payload: new Uint8Array([7, 8]).buffer })
    await client.close()
  })

  test('other content types are 415', async () => {
    const res = await post('/realtime/v1/api/broadcast/t/events/e', 'x', {
      apikey: ctx.server.keys.anon,
      'content-type': 'text/plain',
    })
    expect(res).toMatchObject({
      status: 415,
      body: '{"error":"Unsupported Media Type. Use application/json or application/octet-stream"}',
    })
  })
})

describe('other paths', () => {
  test('are 404 with a JSON message, and /admin is hidden without --admin', async () => {
    const res = await fetch(`${ctx.server.httpUrl}/admin/stats`, {
      headers: { authorization: `Bearer ${ctx.server.keys.service_role}` },
    })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ message: 'Not found: GET /admin/stats' })
  })
})
