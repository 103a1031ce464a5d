// /admin/*: only for service_role, and each fault as a client sees it.
import { describe, expect, test } from 'vitest'
import { RawClient } from './test-support/raw-client.ts'
import { admin, useServer } from './test-support/server.ts'

const ctx = useServer({ admin: true })
const connect = () => RawClient.connect(ctx.server.url, ctx.server.keys.anon)

describe('access', () => {
  test('refuses the anon key and no key with 401', async () => {
    for (const headers of [{}, { authorization: `Bearer ${ctx.server.keys.anon}` }] as Array<Record<string, string>>) {
      const res = await fetch(`${ctx.server.httpUrl}/admin/stats`, { headers })
      expect(res.status).toBe(401)
    }
  })

  test('stats count sockets, channels, topics and frames', async () => {
    const client = await connect()
    await client.join('realtime:stats-a', { config: {} })
    const { status, body } = await admin(ctx.server, '/admin/stats')
    expect(status).toBe(200)
    expect(body).toMatchObject({
      sockets: expect.any(Number),
      channels: 1,
      topics: 1,
      framesIn: expect.any(Number),
      framesOut: expect.any(Number),
    })
    expect((body as { framesIn: number }).framesIn).toBeGreaterThanOrEqual(1)
    await client.close()
  })

  test('rejects unknown faults and bad SQL with 400 and a reason', async () => {
    expect(await admin(ctx.server, '/admin/faults', { explode: true })).toEqual({
      status: 400,
      body: { error: 'unknown fault "explode"; known: dropSockets, heartbeats, joins, expireTokens, malformed, reset' },
    })
    const sql = await admin(ctx.server, '/admin/sql', { sql: 'select * from nowhere' })
    expect(sql.status).toBe(400)
    expect((sql.body as { error: string }).error).toMatch(/nowhere/)
  })

  test('runs SQL with parameters', async () => {
    expect(await admin(ctx.server, '/admin/sql', { sql: 'select $1::int + 1 as n', params: [41] })).toEqual({
      status: 200,
      body: { rows: [{ n: 42 }] },
    })
  })
})

describe('faults', () => {
  test('heartbeats: ignore withholds replies until answer', async () => {
    const client = await connect()
    await admin(ctx.server, '/admin/faults', { heartbeats: 'ignore' })
    client.send({ join_ref: null, ref: 'hb1', topic: 'phoenix', event: 'heartbeat', payload: {} })
    // a round trip that is not a heartbeat: the server has handled hb1 once this reply is here
    client.send({ join_ref: null, ref: 'probe', topic: 'realtime:none', event: 'ping', payload: {} })
    await client.next((m) => m.ref === 'probe')
    await admin(ctx.server, '/admin/faults', { heartbeats: 'answer' })
    client.send({ join_ref: null, ref: 'hb2', topic: 'phoenix', event: 'heartbeat', payload: {} })
    const reply = await client.next((m) => m.topic === 'phoenix', { phoenix: true })
    expect(reply.message.ref).toBe('hb2') // hb1 was never answered
    await client.close()
  })

  test('joins: refuse with a reason, then normal', async () => {
    const client = await connect()
    await admin(ctx.server, '/admin/faults', {
      joins: { refuse: 'RealtimeRestarting: Realtime is restarting, please standby' },
    })
    expect((await client.join('realtime:refused', { config: {} })).payload).toEqual({
      status: 'error',
      response: { reason: 'RealtimeRestarting: Realtime is restarting, please standby' },
    })
    await admin(ctx.server, '/admin/faults', { joins: 'normal' })
    expect((await client.join('realtime:refused', { config: {} })).payload).toMatchObject({ status: 'ok' })
    await client.close()
  })

  test("joins: a delay holds the socket's later frames behind the join, as Phoenix does", async () => {
    const client = await connect()
    await admin(ctx.server, '/admin/faults', { joins: { delayMs: 150 } })
    client.send({ join_ref: '1', ref: '1', topic: 'realtime:slow', event: 'phx_join', payload: { config: {} } })
    const frames = await client.barrier() // the heartbeat is answered only after the join
    await admin(ctx.server, '/admin/faults', { joins: 'normal' })
    expect(frames.map((f) => f.message.event)).toEqual(['phx_reply'])
    await client.close()
  })

  test('expireTokens shuts every channel as at token expiry', async () => {
    const client = await connect()
    await client.join('realtime:exp', { config: {} }, '1')
    await admin(ctx.server, '/admin/faults', { expireTokens: true })
    expect((await client.next()).message.payload).toEqual({
      channel: 'exp',
      extension: 'system',
      message: 'Token has expired 0 seconds ago',
      status: 'error',
    })
    expect((await client.next()).message.event).toBe('phx_close')
    await client.close()
  })

  test('malformed sends one undecodable frame to every socket', async () => {
    const client = await connect()
    expect(await admin(ctx.server, '/admin/faults', { malformed: 'json' })).toEqual({
      status: 200,
      body: { applied: ['malformed=json'] },
    })
    await admin(ctx.server, '/admin/faults', { malformed: 'binary' })
    await client.until(() => client.undecodable.length === 2)
    expect(client.undecodable[0]).toMatch(/^not JSON/)
    expect(client.undecodable[1]).toMatch(/runs past the end/)
    await client.close()
  })

  test('dropSockets with a code closes with that code; without, the socket is cut (1006)', async () => {
    const [a, b] = [await connect(), await connect()]
    await admin(ctx.server, '/admin/faults', { dropSockets: { code: 1012 } })
    expect(await Promise.all([a.closed, b.closed])).toEqual([1012, 1012])
    const c = await connect()
    await admin(ctx.server, '/admin/faults', { dropSockets: true })
    expect(await c.closed).toBe(1006)
  })
})

describe('blast', () => {
  test('sends count broadcasts { seq, t, pad } to every subscriber and reports what it sent', async () => {
    const [a, b] = [await connect(), await connect()]
    await a.join('realtime:blast-a', { config: {} })
    await b.join('realtime:blast-a', { config: {} })
    const before = Date.now()
    const { status, body } = await admin(ctx.server, '/admin/blast', {
      topic: 'blast-a',
      event: 'tick',
      count: 5,
      payloadBytes: 3,
    })
    expect(status).toBe(200)
    expect(body).toMatchObject({ sent: 5, frames: 10 })
    for (const client of [a, b]) {
      for (let seq = 0; seq < 5; seq++) {
        const { message } = await client.next((m) => m.event === 'broadcast')
        const payload = message.payload as {
          type: string
          event: string
          payload: { seq: number; t: number; pad: string }
        }
        expect(payload).toMatchObject({ type: 'broadcast', event: 'tick', payload: { seq, pad: 'xxx' } })
        // t is on the wall clock's scale (performance.timeOrigin + performance.now())
        expect(Math.abs(payload.payload.t - before)).toBeLessThan(60_000)
      }
    }
    await Promise.all([a.close(), b.close()])
  })

  test('a paced blast stamps each message between its start and its end, in order', async () => {
    const client = await connect()
    await client.join('realtime:blast-b', { config: {} })
    const { body } = await admin(ctx.server, '/admin/blast', { topic: 'blast-b', count: 3, ratePerSec: 100 })
    const result = body as { sent: number; startedAt: number; endedAt: number; durationMs: number; rate: number }
    expect(result).toMatchObject({ sent: 3, frames: 3, durationMs: result.endedAt - result.startedAt })
    const stamps: number[] = []
    for (let i = 0; i < 3; i++)
      stamps.push(
        ((await client.next((m) => m.event === 'broadcast')).message.payload as { payload: { t: number } }).payload.t,
      )
    expect(stamps.toSorted((x, y) => x - y)).toEqual(stamps)
    expect(stamps[0]).toBeGreaterThanOrEqual(result.startedAt)
    expect(stamps[2]).toBeLessThanOrEqual(result.endedAt)
    await client.close()
  })

  test('a topic with no subscribers sends nothing', async () => {
    expect(await admin(ctx.server, '/admin/blast', { topic: 'nobody', count: 2 })).toMatchObject({
      status: 200,
      body: { sent: 2, frames: 0 },
    })
  })

  test('rejects bad bodies with 400 and a reason', async () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ count: 1 }, /"topic" must be a non-empty string/],
      [{ topic: 'x' }, /"count" must be an integer/],
      [{ topic: 'x', count: 0 }, /"count" must be an integer/],
      [{ topic: 'x', count: 1.5 }, /"count" must be an integer/],
      [{ topic: 'x', count: 1, ratePerSec: -1 }, /"ratePerSec" must be a number ≥ 0/],
      [{ topic: 'x', count: 1, payloadBytes: 'big' }, /"payloadBytes" must be an integer/],
      [{ topic: 'x', count: 1, event: '' }, /"event" must be a non-empty string/],
      [{ topic: 'x', count: 1, loud: true }, /unknown field "loud"/],
    ]
    for (const [body, error] of cases) {
      const res = await admin(ctx.server, '/admin/blast', body)
      expect(res.status).toBe(400)
      expect((res.body as { error: string }).error).toMatch(error)
    }
  })

  test('needs the service_role key', async () => {
    const res = await fetch(`${ctx.server.httpUrl}/admin/blast`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ctx.server.keys.anon}` },
      body: '{"topic":"x","count":1}',
    })
    expect(res.status).toBe(401)
  })
})

describe('stats', () => {
  test('count heartbeats received', async () => {
    const client = await connect()
    const before = ((await admin(ctx.server, '/admin/stats')).body as { heartbeats: number }).heartbeats
    client.send({ join_ref: null, ref: 'hb', topic: 'phoenix', event: 'heartbeat', payload: {} })
    await client.next((m) => m.ref === 'hb', { phoenix: true })
    expect(((await admin(ctx.server, '/admin/stats')).body as { heartbeats: number }).heartbeats).toBe(before + 1)
    await client.close()
  })
})
