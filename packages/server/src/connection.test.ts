// The socket itself: connect-time refusals (PROTOCOL.md §1.1), bad frames (§5), idle timeout.
import { describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RawClient } from './test-support/raw-client.ts'
import { token, useServer } from './test-support/server.ts'

const ctx = useServer({ idleTimeoutMs: 300, maxFrameBytes: 10_000 })

async function refusal(apikey: string | undefined, extra = '', vsn: '1.0.0' | '2.0.0' = '2.0.0') {
  const error = await RawClient.connect(ctx.server.url, apikey, vsn, extra).then(
    () => ({ status: 101, body: '' }),
    (e: { status?: number; body?: string }) => ({ status: e.status, body: e.body }),
  )
  return error
}

/** A bare upgrade attempt: the HTTP status and body the server answered with. */
function upgrade(
  query: string,
  headers: Record<string, string> = {},
): Promise<{ status: number | undefined; body: string }> {
  const ws = new WebSocket(`${ctx.server.url}/websocket?${query}`, { headers })
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      ws.close()
      resolve({ status: 101, body: '' })
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode, body }))
    })
    ws.once('error', reject)
  })
}

describe('connect', () => {
  test('refuses a missing apikey with 401 "API key is missing"', async () => {
    expect(await refusal(undefined)).toEqual({ status: 401, body: '{"error":"API key is missing"}' })
  })

  test('refuses an expired token with 401 "Token has expired"', async () => {
    expect(await refusal(await token(ctx.server, {}, -10))).toEqual({
      status: 401,
      body: '{"error":"Token has expired"}',
    })
  })

  test('refuses garbage with 401', async () => {
    expect((await refusal('not-a-jwt')).status).toBe(401)
  })

  test('refuses an unknown vsn with 403 and an empty body', async () => {
    expect(await upgrade(`vsn=3.0.0&apikey=${ctx.server.keys.anon}`)).toEqual({ status: 403, body: '' })
  })

  test('takes the x-api-key header over the apikey parameter', async () => {
    expect(await upgrade('vsn=2.0.0&apikey=garbage', { 'x-api-key': ctx.server.keys.anon })).toEqual({
      status: 101,
      body: '',
    })
    expect((await upgrade(`vsn=2.0.0&apikey=${ctx.server.keys.anon}`, { 'x-api-key': 'garbage' })).status).toBe(401)
  })

  test('accepts any 2.0.x and 1.0.x version, and no version at all', async () => {
    for (const vsn of ['vsn=2.0.7&', 'vsn=1.0.1&', '']) {
      expect(await upgrade(`${vsn}apikey=${ctx.server.keys.anon}`)).toEqual({ status: 101, body: '' })
    }
  })

  test('serves /socket/websocket too', async () => {
    const base = ctx.server.url.replace('/realtime/v1', '/socket')
    const client = await RawClient.connect(base, ctx.server.keys.anon)
    expect(await client.barrier()).toEqual([])
    await client.close()
  })
})

describe('bad frames', () => {
  test('malformed text and binary frames are ignored and the socket stays open', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    client.sendRaw('{"not": "an array"}')
    client.sendRaw('[1,2')
    client.sendRaw(new Uint8Array([3, 200, 1]))
    client.sendRaw(new Uint8Array([9]))
    expect(await client.barrier()).toEqual([])
    await client.close()
  })

  test('a frame over the size limit closes the socket with 1009', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    client.sendRaw(`[null,"1","realtime:x","broadcast",{"x":"${'y'.repeat(20_000)}"}]`)
    expect(await client.closed).toBe(1009)
  })
})

describe('idle timeout', () => {
  test('a socket that sends nothing is closed with 1000', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    expect(await client.closed).toBe(1000)
  })
})
