// Channel behaviour beyond the transcripts: presence updates, namespaces, replay,
// limits on payloads, access_token edge cases, leave and duplicate-join corners.
import { describe, expect, test } from 'vitest'
import { policiesFromRules } from './policies/index.ts'
import { RawClient } from './test-support/raw-client.ts'
import { token, useServer } from './test-support/server.ts'

const ctx = useServer({
  limits: { maxPayloadBytes: 1000 },
  policies: policiesFromRules([
    { topic: 'private-room', role: 'authenticated', broadcast: ['read', 'write'], presence: ['read', 'write'] },
  ]),
})
const connect = (vsn: '1.0.0' | '2.0.0' = '2.0.0') => RawClient.connect(ctx.server.url, ctx.server.keys.anon, vsn)
const track = (c: RawClient, topic: string, ref: string, payload: unknown) =>
  c.send({ join_ref: '1', ref, topic, event: 'presence', payload: { type: 'presence', event: 'track', payload } })

describe('presence', () => {
  test('re-tracking the same payload is a no-op; a new payload replaces the meta (joins with phx_ref_prev, leaves the old)', async () => {
    const client = await connect()
    const topic = 'realtime:pres-update'
    await client.join(topic, { config: { presence: { key: 'me' } } }, '1')
    track(client, topic, '2', { v: 1 })
    const first = (await client.barrier()).find((f) => f.message.event === 'presence_diff')!.message.payload as {
      joins: { me: { metas: Array<{ phx_ref: string }> } }
    }
    const ref1 = first.joins.me.metas[0]!.phx_ref
    track(client, topic, '3', { v: 1 })
    expect((await client.barrier()).map((f) => f.message.event)).toEqual(['phx_reply'])
    track(client, topic, '4', { v: 2 })
    const diff = (await client.barrier()).find((f) => f.message.event === 'presence_diff')!.message.payload
    expect(diff).toEqual({
      joins: { me: { metas: [{ v: 2, phx_ref: expect.any(String), phx_ref_prev: ref1 }] } },
      leaves: { me: { metas: [{ v: 1, phx_ref: ref1 }] } },
    })
    await client.close()
  })

  test('a socket that goes away leaves its presence, and presence_state shows who is there', async () => {
    const [a, b] = [await connect(), await connect()]
    const topic = 'realtime:pres-leave'
    await a.join(topic, { config: { presence: { key: 'a' } } }, '1')
    track(a, topic, '2', { name: 'A' })
    await a.barrier()
    await b.join(topic, { config: { presence: { key: 'b', enabled: true } } }, '1')
    expect((await b.next((m) => m.event === 'presence_state')).message.payload).toEqual({
      a: { metas: [{ name: 'A', phx_ref: expect.any(String) }] },
    })
    a.terminate()
    const leave = await b.next((m) => m.event === 'presence_diff')
    expect(leave.message.payload).toEqual({
      joins: {},
      leaves: { a: { metas: [{ name: 'A', phx_ref: expect.any(String) }] } },
    })
    await b.close()
  })

  test('a track payload that is not a map is an error reply; an unknown presence event too', async () => {
    const client = await connect()
    const topic = 'realtime:pres-bad'
    await client.join(topic, { config: {} }, '1')
    track(client, topic, '2', [1, 2])
    client.send({ join_ref: '1', ref: '3', topic, event: 'presence', payload: { type: 'presence', event: 'wave' } })
    client.send({ join_ref: '1', ref: '4', topic, event: 'presence', payload: { type: 'presence' } })
    expect((await client.barrier()).map((f) => [f.message.ref, f.message.payload])).toEqual([
      ['2', { status: 'error', response: { reason: 'Presence track payload must be a map' } }],
      ['3', { status: 'error', response: {} }],
      ['4', { status: 'ok', response: {} }],
    ])
    await client.close()
  })
})

describe('namespaces and private channels', () => {
  test("public and private channels of one name never see each other's broadcasts", async () => {
    const user = await token(ctx.server, { sub: 'p' })
    const [pub, priv] = [await connect(), await connect()]
    await pub.join('realtime:private-room', { config: { broadcast: { self: true } } }, '1')
    await priv.join(
      'realtime:private-room',
      { config: { private: true, broadcast: { self: true } }, access_token: user },
      '1',
    )
    pub.send({
      join_ref: '1',
      ref: '2',
      topic: 'realtime:private-room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'from-public', payload: {} },
    })
    priv.send({
      join_ref: '1',
      ref: '2',
      topic: 'realtime:private-room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'from-private', payload: {} },
    })
    const seen = async (c: RawClient) => (await c.barrier()).map((f) => (f.message.payload as { event: string }).event)
    expect(await seen(pub)).toEqual(['from-public'])
    expect(await seen(priv)).toEqual(['from-private'])
    await Promise.all([pub.close(), priv.close()])
  })

  test('replay: a private join with broadcast.replay gets persisted messages, marked replayed', async () => {
    const user = await token(ctx.server, { sub: 'r' })
    const sender = await connect()
    await sender.join('realtime:private-room', { config: { private: true }, access_token: user }, '1')
    const since = Date.now() - 1000
    sender.send({
      join_ref: '1',
      ref: '2',
      topic: 'realtime:private-room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'kept', payload: { n: 1 }, persist: true },
    })
    sender.send({
      join_ref: '1',
      ref: '3',
      topic: 'realtime:private-room',
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'not-kept', payload: { n: 2 } },
    })
    await sender.barrier()
    const late = await connect()
    const reply = await late.join(
      'realtime:private-room',
      { config: { private: true, broadcast: { replay: { since, limit: 5 } } }, access_token: user },
      '1',
    )
    expect(reply.payload).toMatchObject({ status: 'ok' })
    const replayed = (await late.barrier()).map((f) => f.message.payload)
    expect(replayed).toEqual([
      { type: 'broadcast', event: 'kept', payload: { n: 1 }, meta: { id: expect.any(String), replayed: true } },
    ])
    await Promise.all([sender.close(), late.close()])
  })

  test('replay on a public channel is refused', async () => {
    const client = await connect()
    expect(
      (await client.join('realtime:pub-replay', { config: { broadcast: { replay: { since: 0 } } } })).payload,
    ).toEqual({
      status: 'error',
      response: { reason: 'UnableToReplayMessages: Replay is not allowed for public channels' },
    })
    await client.close()
  })
})

describe('broadcast limits and access_token corners', () => {
  test('an oversized broadcast with ack gets "payload_size_exceeded"; without ack it is dropped silently', async () => {
    const client = await connect()
    const topic = 'realtime:big'
    await client.join(topic, { config: { broadcast: { ack: true, self: true } } }, '1')
    client.send({
      join_ref: '1',
      ref: '2',
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: { x: 'y'.repeat(2000) } },
    })
    expect((await client.barrier()).map((f) => f.message.payload)).toEqual([
      { status: 'error', response: 'payload_size_exceeded' },
    ])
    await client.close()
  })

  test('access_token pushes that are null, sb_ keys, the same token or not strings get no reply and change nothing', async () => {
    const client = await connect()
    const topic = 'realtime:tokens'
    await client.join(topic, { config: {} }, '1')
    for (const [i, t] of [null, 'sb_publishable_abc', ctx.server.keys.anon, 42].entries()) {
      client.send({ join_ref: '1', ref: String(10 + i), topic, event: 'access_token', payload: { access_token: t } })
    }
    client.send({ join_ref: '1', ref: '20', topic, event: 'no_such_event', payload: {} })
    expect(await client.barrier()).toEqual([])
    await client.close()
  })

  test('a garbage access_token shuts the channel with "The token provided is not a valid JWT"', async () => {
    const client = await connect()
    const topic = 'realtime:garbage-token'
    await client.join(topic, { config: {} }, '1')
    client.send({ join_ref: '1', ref: '2', topic, event: 'access_token', payload: { access_token: 'garbage' } })
    expect(
      (await client.barrier()).map((f) => (f.message.event === 'system' ? f.message.payload : f.message.event)),
    ).toEqual([
      {
        channel: 'garbage-token',
        extension: 'system',
        message: 'The token provided is not a valid JWT',
        status: 'error',
      },
      'phx_close',
    ])
    await client.close()
  })
})

describe('leave and duplicate join', () => {
  test('a leave with a stale join_ref is ignored; a leave of an unjoined topic is ok', async () => {
    const client = await connect()
    await client.join('realtime:lv', { config: {} }, '5')
    client.send({ join_ref: '4', ref: '6', topic: 'realtime:lv', event: 'phx_leave', payload: {} })
    client.send({ join_ref: '9', ref: '7', topic: 'realtime:never', event: 'phx_leave', payload: {} })
    expect((await client.barrier()).map((f) => f.message)).toEqual([
      { join_ref: '9', ref: '7', topic: 'realtime:never', event: 'phx_reply', payload: { status: 'ok', response: {} } },
    ])
    await client.close()
  })

  test('a duplicate join that fails leaves no channel: error reply, then phx_close of the old one', async () => {
    const client = await connect()
    await client.join('realtime:dup', { config: {} }, '1')
    client.send({
      join_ref: '2',
      ref: '2',
      topic: 'realtime:dup',
      event: 'phx_join',
      payload: { config: {}, access_token: 'garbage' },
    })
    client.send(
      {
        join_ref: '1',
        ref: '3',
        topic: 'realtime:dup',
        event: 'broadcast',
        payload: { type: 'broadcast', event: 'e', payload: {} },
      },
      false,
    )
    expect((await client.barrier()).map((f) => [f.message.event, f.message.join_ref, f.message.ref])).toEqual([
      ['phx_reply', '2', '2'],
      ['phx_close', '1', '1'],
      ['phx_reply', null, '3'], // unmatched topic: the channel is gone
    ])
    await client.close()
  })
})
