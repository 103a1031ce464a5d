// Issue #16's probes, replayed: each hostile request or frame gets the refusal or the Realtime answer it
// should, and after each one a well-behaved client (connect, join, broadcast to itself with an ack,
// heartbeat) is still served, on the same server.
import { request } from 'node:http'
import { describe, expect, test, vi } from 'vitest'
import { policiesFromRules } from './policies/index.ts'
import type { RunningServer } from './server.ts'
import { startServer } from './server.ts'
import { RawClient } from './test-support/raw-client.ts'
import { admin, useServer } from './test-support/server.ts'

// ten servers in one file, each starting an embedded Postgres: on a loaded machine that takes a while
vi.setConfig({ hookTimeout: 60_000, testTimeout: 30_000 })

let topicSeq = 0
/** A well-behaved client's round: it connects, joins, gets its own acked broadcast back, and leaves. */
async function stillServes(server: RunningServer, { broadcast = true } = {}): Promise<void> {
  const client = await RawClient.connect(server.url, server.keys.anon)
  const topic = `realtime:well-behaved-${++topicSeq}`
  expect((await client.join(topic, { config: { broadcast: { self: true, ack: true } } }, '1')).payload).toEqual({
    status: 'ok',
    response: { postgres_changes: [] },
  })
  if (broadcast) {
    const payload = { type: 'broadcast', event: 'hi', payload: { n: 1 } }
    client.send({ join_ref: '1', ref: '2', topic, event: 'broadcast', payload })
  }
  const frames = (await client.barrier()).map((f) => [f.message.event, f.message.payload])
  expect(frames).toEqual(
    broadcast
      ? [
          ['broadcast', { type: 'broadcast', event: 'hi', payload: { n: 1 } }],
          ['phx_reply', { status: 'ok', response: {} }],
        ]
      : [],
  )
  await client.close()
}

/** An HTTP request with any headers (fetch may not set Host or Origin). */
function raw(
  server: RunningServer,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${server.httpUrl}${path}`, { method, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const upgradeRefusal = (server: RunningServer, headers: Record<string, string>) =>
  RawClient.connect(server.url, server.keys.anon, '2.0.0', '', headers).then(
    async (client) => {
      await client.close()
      return { status: 101, body: '' }
    },
    (error: { status?: number; body?: string }) => ({ status: error.status ?? -1, body: error.body ?? '' }),
  )

describe('Host and Origin: DNS rebinding and other web sites', () => {
  const ctx = useServer({ admin: true, allowedHosts: ['devbox.test'], allowedOrigins: ['http://devbox.test:5173'] })

  test('Host: evil.example with the service_role key gets 403 from /admin/sql, with a body saying what to do', async () => {
    const { server } = ctx
    const port = server.port
    const res = await raw(
      server,
      'POST',
      '/admin/sql',
      {
        host: `evil.example:${port}`,
        authorization: `Bearer ${server.keys.service_role}`,
        'content-type': 'application/json',
      },
      JSON.stringify({ sql: 'select 1 as one' }),
    )
    expect(res.status).toBe(403)
    expect(JSON.parse(res.body)).toMatchObject({ error: 'Forbidden host' })
    expect(JSON.parse(res.body).message).toContain('--allowed-host')
    // the admin API's contract is unchanged for a Node client on a loopback name
    expect((await admin(server, '/admin/sql', { sql: 'select 1 as one' })).body).toEqual({ rows: [{ one: 1 }] })
    await stillServes(server)
  })

  test.each([
    ['a DNS-rebound Host', { host: 'evil.example' }, 403],
    ['a foreign Origin', { origin: 'https://evil.example' }, 403],
    ['the opaque origin "null"', { origin: 'null' }, 403],
    [
      'a loopback Origin on another port (the demo, vitest, Playwright pages)',
      { origin: 'http://localhost:5173' },
      101,
    ],
    ['an [::1] Origin', { origin: 'http://[::1]:9' }, 101],
    ['127.0.0.2 as Origin', { origin: 'http://127.0.0.2:9' }, 101],
    ['an Origin given with allowedOrigins', { origin: 'http://devbox.test:5173' }, 101],
    ['the same host on a port not allowed', { origin: 'http://devbox.test:5174' }, 403],
    ['a Host given with allowedHosts', { host: 'devbox.test:4000' }, 101],
    ['a *.localhost Host', { host: 'app.localhost' }, 101],
  ])('WebSocket upgrade with %s → %i', async (_name, headers, status) => {
    const result = await upgradeRefusal(ctx.server, headers)
    expect(result.status).toBe(status)
    // a refusal says which flag lets the request in
    expect(status === 403 ? /--allowed-(host|origin)/.test(JSON.parse(result.body).message) : result.body === '').toBe(
      true,
    )
    await stillServes(ctx.server)
  })

  test('REST broadcasts and their CORS preflight from a foreign origin get 403; Node clients (no Origin) are served', async () => {
    const { server } = ctx
    const body = JSON.stringify({ messages: [{ topic: 'x', event: 'e', payload: {} }] })
    const headers = { authorization: `Bearer ${server.keys.anon}`, 'content-type': 'application/json' }
    expect(
      (await raw(server, 'POST', '/api/broadcast', { ...headers, origin: 'https://evil.example' }, body)).status,
    ).toBe(403)
    expect(
      (
        await raw(server, 'OPTIONS', '/api/broadcast', {
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
        })
      ).status,
    ).toBe(403)
    expect((await raw(server, 'POST', '/api/broadcast', headers, body)).status).toBe(202)
    expect(
      (await raw(server, 'POST', '/api/broadcast', { ...headers, origin: 'http://127.0.0.1:3000' }, body)).status,
    ).toBe(202)
    await stillServes(server)
  })
})

describe('--host other than loopback', () => {
  test('refuses to start with the default (public) secret, naming the fix', async () => {
    await expect(startServer({ port: 0, host: '0.0.0.0', log: 'silent' })).rejects.toThrow(
      /host 0\.0\.0\.0 is not a loopback address.*--jwt-secret/,
    )
  })

  test('starts with a secret of its own; loopback Hosts are still answered', async () => {
    const server = await startServer({ port: 0, host: '0.0.0.0', jwtSecret: 'x'.repeat(40), log: 'silent' })
    expect(server.url).toBe(`ws://0.0.0.0:${server.port}/realtime/v1`)
    try {
      const local = {
        ...server,
        url: `ws://127.0.0.1:${server.port}/realtime/v1`,
        httpUrl: `http://127.0.0.1:${server.port}`,
      }
      await stillServes(local)
    } finally {
      await server.close()
    }
  })
})

describe('policy rules with `*` on huge topics (ReDoS)', () => {
  const ctx = useServer({
    limits: { maxEventsPerSecond: 1e9 },
    policies: policiesFromRules([{ topic: 'team:*:*:admin', role: 'authenticated', broadcast: ['read', 'write'] }]),
  })

  test('a private REST broadcast to a 1 MB topic is matched in linear time (the regex took minutes) and 202', async () => {
    const { server } = ctx
    const topic = `team:${':'.repeat(1_000_000)}x`
    const res = await raw(
      server,
      'POST',
      '/api/broadcast',
      { authorization: `Bearer ${server.keys.anon}`, 'content-type': 'application/json' },
      JSON.stringify({ messages: [{ topic, event: 'e', payload: {}, private: true }] }),
    )
    expect(res.status).toBe(202)
    await stillServes(server)
  }, 20_000)

  test('a join naming a topic over 255 bytes is refused with TopicNameTooLong; 255 bytes join', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    const long = `realtime:${'t'.repeat(256 - 'realtime:'.length)}`
    expect((await client.join(long, { config: {} }, '1')).payload).toEqual({
      status: 'error',
      response: { reason: 'TopicNameTooLong: The topic must be at most 255 bytes' },
    })
    expect((await client.join(long.slice(0, 255), { config: {} }, '2')).payload).toMatchObject({ status: 'ok' })
    await client.close()
    await stillServes(ctx.server)
  })
})

describe('presence keys "__proto__" and "constructor"', () => {
  const ctx = useServer()

  test('are presences like any other in presence_state and presence_diff', async () => {
    const { server } = ctx
    const topic = 'realtime:proto-keys'
    const trackers: RawClient[] = []
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const c = await RawClient.connect(server.url, server.keys.anon)
      await c.join(topic, { config: { presence: { key, enabled: true } } }, '1')
      c.send({
        join_ref: '1',
        ref: '2',
        topic,
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload: { key } },
      })
      const diff = (await c.next((m) => m.event === 'presence_diff' && m.payload !== null)).message.payload as Record<
        string,
        object
      >
      expect(Object.keys(Object.getOwnPropertyDescriptor(diff, 'joins')!.value)).toEqual([key])
      trackers.push(c)
    }
    const later = await RawClient.connect(server.url, server.keys.anon)
    await later.join(topic, { config: { presence: { enabled: true } } }, '1')
    const state = (await later.next((m) => m.event === 'presence_state')).message.payload as object
    expect(Object.keys(state).toSorted()).toEqual(['__proto__', 'constructor', 'toString'])
    for (const key of ['__proto__', 'constructor', 'toString']) {
      const entry = Object.getOwnPropertyDescriptor(state, key)!.value as { metas: Array<{ key: string }> }
      expect(entry.metas.map((m) => m.key)).toEqual([key])
    }
    // a leave of "__proto__" is a diff with that key too
    await trackers[0]!.close()
    const leave = (await later.next((m) => m.event === 'presence_diff')).message.payload as { leaves: object }
    expect(Object.keys(leave.leaves)).toEqual(['__proto__'])
    for (const c of [...trackers, later]) await c.close()
    await stillServes(server)
  })
})

describe('maxConcurrentUsers under concurrent joins', () => {
  const ctx = useServer({ admin: true, limits: { maxConcurrentUsers: 200, maxJoinsPerSecond: 1e9 } })

  test('205 sockets joining at once: exactly 200 are in (the well-behaved one included), the rest refused', async () => {
    const { server } = ctx
    const first = await RawClient.connect(server.url, server.keys.anon)
    expect((await first.join('realtime:crowd', { config: {} }, '1')).payload).toMatchObject({ status: 'ok' })
    const others = await Promise.all(Array.from({ length: 205 }, () => RawClient.connect(server.url, server.keys.anon)))
    const replies = await Promise.all(others.map((c) => c.join('realtime:crowd', { config: {} }, '1')))
    const statuses = replies.map((r) => (r.payload as { status: string }).status)
    expect(statuses.filter((s) => s === 'ok')).toHaveLength(199)
    expect(replies.filter((r) => (r.payload as { status: string }).status === 'error').map((r) => r.payload)).toEqual(
      Array.from({ length: 6 }, () => ({
        status: 'error',
        response: { reason: 'ConnectionRateLimitReached: Too many connected users' },
      })),
    )
    await Promise.all(others.map((c) => c.close()))
    await first.close()
    await expect
      .poll(async () => ((await admin(server, '/admin/stats')).body as { activeSockets: number }).activeSockets)
      .toBe(0)
    await stillServes(server)
  }, 60_000)
})

describe('REST batches and the events/s limit', () => {
  const ctx = useServer()

  test('a batch of 5000 gets 429 "please reduce the batch size" and delivers nothing', async () => {
    const { server } = ctx
    const listener = await RawClient.connect(server.url, server.keys.anon)
    await listener.join('realtime:batch', { config: {} }, '1')
    const messages = Array.from({ length: 5000 }, (_, i) => ({ topic: 'batch', event: 'e', payload: { i } }))
    const res = await raw(
      server,
      'POST',
      '/api/broadcast',
      { authorization: `Bearer ${server.keys.service_role}`, 'content-type': 'application/json' },
      JSON.stringify({ messages }),
    )
    expect(res.status).toBe(429)
    expect(JSON.parse(res.body)).toEqual({ message: 'Too many messages to broadcast, please reduce the batch size' })
    expect(await listener.barrier()).toEqual([])
    await listener.close()
    await stillServes(server)
  })
})

describe('persist and the events/s limit', () => {
  const ctx = useServer({ limits: { maxEventsPerSecond: 2 } })

  test('a private broadcast refused by the rate limit is not stored for replay', async () => {
    const { server } = ctx
    const topic = 'realtime:persisted'
    const sender = await RawClient.connect(server.url, server.keys.service_role)
    await sender.join(topic, { config: { private: true } }, '1')
    // 5 s window, 2/s: 10 events pass, the 11th shuts the channel down
    for (let i = 1; i <= 11; i++) {
      sender.send({
        join_ref: '1',
        ref: String(i + 1),
        topic,
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: { i }, persist: true },
      })
    }
    const closing = await sender.next((m) => m.event === 'system')
    expect(closing.message.payload).toMatchObject({ status: 'error', message: 'Too many messages per second' })
    const reader = await RawClient.connect(server.url, server.keys.service_role)
    await reader.join(topic, { config: { private: true, broadcast: { replay: { since: 0, limit: 25 } } } }, '1')
    const replayed = (await reader.barrier())
      .filter((f) => f.message.event === 'broadcast')
      .map((f) => (f.message.payload as { payload: { i: number } }).payload.i)
    expect(replayed).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    await sender.close()
    await reader.close()
    await stillServes(server, { broadcast: false })
  })
})

describe('frames that are hostile to the server itself', () => {
  const ctx = useServer({ admin: true })

  test('a payload nested 100 000 deep: the heartbeat carrying it is answered (no log line is built for it)', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`
    client.sendRaw(`[null,"7","phoenix","heartbeat",{"deep":${deep}}]`)
    expect((await client.next((m) => m.ref === '7', { phoenix: true })).message.payload).toEqual({
      status: 'ok',
      response: {},
    })
    // as a broadcast it cannot be measured or relayed (JSON.stringify's recursion): dropped and logged, socket kept
    await client.join('realtime:deep', { config: { broadcast: { self: true } } }, '1')
    client.sendRaw(`["1","8","realtime:deep","broadcast",{"type":"broadcast","event":"e","payload":${deep}}]`)
    expect(await client.barrier()).toEqual([])
    await client.close()
    await stillServes(ctx.server)
  })

  test('a text frame that is not UTF-8 is dropped as malformed and the socket stays open (Realtime: validate_utf8 false)', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    const before = (await admin(ctx.server, '/admin/stats')).body as { decodeErrors: number }
    client.sendText(new Uint8Array([0x5b, 0xff, 0xfe, 0x5d]))
    expect(await client.barrier()).toEqual([])
    expect(client.closeCode).toBeUndefined()
    expect(((await admin(ctx.server, '/admin/stats')).body as { decodeErrors: number }).decodeErrors).toBe(
      before.decodeErrors + 1,
    )
    await client.close()
    await stillServes(ctx.server)
  })

  test('a bad % escape in a REST path is 400, not 500', async () => {
    const { server } = ctx
    const res = await raw(
      server,
      'POST',
      '/api/broadcast/%E0%A4%A/events/e',
      { authorization: `Bearer ${server.keys.anon}`, 'content-type': 'application/json' },
      '{}',
    )
    expect(res.status).toBe(400)
    expect(JSON.parse(res.body).message).toMatch(/percent-encoding/)
    await stillServes(server)
  })
})

describe('joins per second, as Supabase counts them', () => {
  const ctx = useServer()

  test('a burst of 150 joins passes (averaged over a 5 s bucket: 30/s)', async () => {
    const clients = [
      await RawClient.connect(ctx.server.url, ctx.server.keys.anon),
      await RawClient.connect(ctx.server.url, ctx.server.keys.anon),
    ]
    const replies = await Promise.all(
      Array.from({ length: 150 }, (_, i) => clients[i % 2]!.join(`realtime:burst-${i}`, { config: {} }, String(i + 1))),
    )
    expect(replies.filter((r) => (r.payload as { status: string }).status === 'ok')).toHaveLength(150)
    for (const c of clients) await c.close()
    await stillServes(ctx.server)
  }, 30_000)
})

describe('max_presence_events_per_second', () => {
  const ctx = useServer({ limits: { maxPresenceEventsPerSecond: 2 } })

  test('over it, the channel whose presence event tips it shuts down with "Too many presence messages per second"', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    // 5 s window, 2/s: 11 events are let in (each presence_state sync and each track counts), the 12th is refused
    const systems: unknown[] = []
    let last: string | undefined
    for (let i = 1; i <= 6; i++) {
      const topic = `realtime:pe-${i}`
      await client.join(topic, { config: { presence: { enabled: true } } }, String(i))
      client.send({
        join_ref: String(i),
        ref: `t${i}`,
        topic,
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload: { i } },
      })
      const frames = (await client.barrier()).map((f) => f.message)
      systems.push(...frames.filter((m) => m.event === 'system').map((m) => [m.topic, m.payload]))
      last = frames.at(-1)?.event
    }
    expect(systems).toEqual([
      [
        'realtime:pe-6',
        { channel: 'pe-6', extension: 'system', message: 'Too many presence messages per second', status: 'error' },
      ],
    ])
    expect(last).toBe('phx_close')
    await client.close()
    await stillServes(ctx.server)
  })
})

describe('connections, joined or not, are bounded', () => {
  const ctx = useServer({ limits: { maxConnections: 4 } })

  test('over maxConnections, a new WebSocket or HTTP connection is closed at once; closing idle ones frees room', async () => {
    const { server } = ctx
    const idle = await Promise.all(Array.from({ length: 4 }, () => RawClient.connect(server.url, server.keys.anon)))
    for (const c of idle) await c.barrier() // accepted by the server, not just by the kernel
    await expect(RawClient.connect(server.url, server.keys.anon)).rejects.toThrow(/socket hang up|ECONNRESET/)
    await expect(raw(server, 'GET', '/nothing', {})).rejects.toThrow(/socket hang up|ECONNRESET/)
    for (const c of idle) await c.close()
    await expect.poll(async () => (await raw(server, 'GET', '/nothing', { connection: 'close' })).status).toBe(404)
    await stillServes(server)
  })
})
