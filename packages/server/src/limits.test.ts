// Limits (PROTOCOL.md §3.7) and the server-initiated disconnect (T12), each on its own server.
import { describe, expect, test } from 'vitest'
import { RawClient } from './test-support/raw-client.ts'
import { admin, useServer } from './test-support/server.ts'

describe.each(['1.0.0', '2.0.0'] as const)('channels per client (T8), vsn %s', (vsn) => {
  const ctx = useServer({ limits: { maxChannelsPerClient: 1 } })

  test('the second channel is refused with ChannelRateLimitReached, the first stays', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon, vsn)
    expect((await client.join('realtime:a', { config: {} }, '1')).payload).toEqual({
      status: 'ok',
      response: { postgres_changes: [] },
    })
    expect((await client.join('realtime:b', { config: {} }, '2')).payload).toEqual({
      status: 'error',
      response: { reason: 'ChannelRateLimitReached: Too many channels' },
    })
    await client.close()
  })
})

describe('joins per second', () => {
  const ctx = useServer({ limits: { maxJoinsPerSecond: 2 } })

  test('counted over 5 s, as in Supabase buckets: 10 joins pass (2/s), the 11th is refused and the socket closed 1001', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    for (let i = 1; i <= 10; i++) {
      expect((await client.join(`realtime:j${i}`, { config: {} }, String(i))).payload).toMatchObject({ status: 'ok' })
    }
    expect((await client.join('realtime:j11', { config: {} }, '11')).payload).toEqual({
      status: 'error',
      response: { reason: 'ClientJoinRateLimitReached: Too many joins per second' },
    })
    expect(await client.closed).toBe(1001)
  })
})

describe('presence calls per channel', () => {
  const ctx = useServer({ limits: { presenceCalls: { max: 2, windowMs: 60_000 } } })

  test('the call over the limit shuts the channel down', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    const topic = 'realtime:p'
    await client.join(topic, { config: {} }, '1')
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      client.send({
        join_ref: '1',
        ref: String(10 + i),
        topic,
        event: 'presence',
        payload: { type: 'presence', event: 'track', payload: { name } },
      })
    }
    const frames = (await client.barrier()).map((f) => f.message)
    expect(frames.filter((m) => m.event === 'phx_reply')).toHaveLength(2)
    expect(frames.slice(-2)).toEqual([
      {
        join_ref: '1',
        ref: null,
        topic,
        event: 'system',
        payload: { channel: 'p', extension: 'system', message: 'Client presence rate limit exceeded', status: 'error' },
      },
      { join_ref: '1', ref: '1', topic, event: 'phx_close', payload: {} },
    ])
    await client.close()
  })
})

describe.each(['1.0.0', '2.0.0'] as const)('server-requested disconnect (T12), vsn %s', (vsn) => {
  const ctx = useServer({ admin: true })

  test('a restart sends "Server requested disconnect" on every joined topic, then closes with 1012', async () => {
    const client = await RawClient.connect(ctx.server.url, ctx.server.keys.anon, vsn)
    await client.join('realtime:one', { config: {} }, '1')
    await client.join('realtime:two', { config: {} }, '2')
    expect((await admin(ctx.server, '/admin/restart', {})).status).toBe(200)
    const notice = { extension: 'system', message: 'Server requested disconnect', status: 'ok' }
    expect((await client.next()).message).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:one',
      event: 'system',
      payload: notice,
    })
    expect((await client.next()).message).toEqual({
      join_ref: null,
      ref: null,
      topic: 'realtime:two',
      event: 'system',
      payload: notice,
    })
    expect(await client.closed).toBe(1012)
    const again = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    expect((await again.join('realtime:one', { config: {} }, '1')).payload).toMatchObject({ status: 'ok' })
    await again.close()
  })
})

describe('events per second', () => {
  const ctx = useServer({ limits: { maxEventsPerSecond: 3 } })

  test('over the server-wide rate (averaged over 5 s, like Supabase buckets), the channels a broadcast would reach shut down', async () => {
    const [a, b] = [
      await RawClient.connect(ctx.server.url, ctx.server.keys.anon),
      await RawClient.connect(ctx.server.url, ctx.server.keys.anon),
    ]
    const topic = 'realtime:busy'
    await a.join(topic, { config: {} }, '1')
    await b.join(topic, { config: {} }, '1')
    // each broadcast is 2 events (the send and its delivery to b): 3/s over 5 s allows 15, so
    // the 8th (16 events) trips it; the 9th finds the channel gone
    const refs = ['2', '3', '4', '5', '6', '7', '8', '9', '10']
    for (const ref of refs)
      a.send({ join_ref: '1', ref, topic, event: 'broadcast', payload: { type: 'broadcast', event: 'e', payload: {} } })
    const shutdown = {
      join_ref: '1',
      ref: null,
      topic,
      event: 'system',
      payload: { channel: 'busy', extension: 'system', message: 'Too many messages per second', status: 'error' },
    }
    expect((await a.barrier()).map((f) => f.message)).toEqual([
      shutdown,
      { join_ref: '1', ref: '1', topic, event: 'phx_close', payload: {} },
      {
        join_ref: null,
        ref: '10',
        topic,
        event: 'phx_reply',
        payload: { status: 'error', response: { reason: 'unmatched topic' } },
      },
    ])
    const seenByB = (await b.barrier()).map((f) => f.message.event)
    expect(seenByB).toEqual([...Array.from({ length: 7 }, () => 'broadcast'), 'system', 'phx_close'])
    await Promise.all([a.close(), b.close()])
  })
})

describe('concurrent users', () => {
  const ctx = useServer({ limits: { maxConcurrentUsers: 1 } })

  test('once one socket has a channel, another connection attempt gets 429 "Too many connected users"', async () => {
    const first = await RawClient.connect(ctx.server.url, ctx.server.keys.anon)
    expect((await first.join('realtime:u', { config: {} })).payload).toMatchObject({ status: 'ok' })
    await expect(RawClient.connect(ctx.server.url, ctx.server.keys.anon)).rejects.toMatchObject({
      status: 429,
      body: '{"error":"Too many connected users"}',
    })
    await first.close()
  })
})
