// PROTOCOL.md §6, driven with raw frames against the real server, for both serializer
// versions: every golden transcript, frame by frame.

import { describe, expect, test } from 'vitest'
import { type Vsn } from '@shared-realtime/protocol'
import { RawClient } from './test-support/raw-client.ts'
import { admin, token, useServer } from './test-support/server.ts'

const ctx = useServer({
  admin: true,
  sql: 'create table test (id serial primary key, details text); alter publication supabase_realtime add table test;',
})
const ok = (response: unknown = {}) => ({ status: 'ok', response })
const connect = (vsn: Vsn) => RawClient.connect(ctx.server.url, ctx.server.keys.anon, vsn)
/** V1 servers never send join_ref. */
const jr = (vsn: Vsn, joinRef: string | null) => (vsn === '1.0.0' ? null : joinRef)

describe.each<Vsn>(['1.0.0', '2.0.0'])('vsn %s', (vsn) => {
  test('T1 heartbeat', async () => {
    const client = await connect(vsn)
    client.send({ join_ref: null, ref: '5', topic: 'phoenix', event: 'heartbeat', payload: {} })
    const reply = await client.next((m) => m.topic === 'phoenix', { phoenix: true })
    expect(reply.message).toEqual({ join_ref: null, ref: '5', topic: 'phoenix', event: 'phx_reply', payload: ok() })
    expect(reply.raw).toBe(
      vsn === '2.0.0'
        ? '[null,"5","phoenix","phx_reply",{"status":"ok","response":{}}]'
        : '{"topic":"phoenix","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"5"}',
    )
    await client.close()
  })

  test('T2 public join, then a text broadcast with self and ack', async () => {
    const client = await connect(vsn)
    const topic = `realtime:t2-${vsn}`
    expect(
      await client.join(
        topic,
        { config: { broadcast: { self: true, ack: true }, private: false }, access_token: ctx.server.keys.anon },
        '1',
      ),
    ).toEqual({
      join_ref: jr(vsn, '1'),
      ref: '1',
      topic,
      event: 'phx_reply',
      payload: ok({ postgres_changes: [] }),
    })
    const payload = { event: 'TEST', payload: { msg: 1 }, type: 'broadcast' }
    client.send({ join_ref: '1', ref: '2', topic, event: 'broadcast', payload }, false)
    const frames = await client.barrier()
    expect(frames.map((f) => f.message)).toEqual([
      { join_ref: null, ref: null, topic, event: 'broadcast', payload },
      { join_ref: jr(vsn, '1'), ref: '2', topic, event: 'phx_reply', payload: ok() },
    ])
    // a null (or stale) join_ref is still accepted, and acked with the channel's join_ref
    client.send({ join_ref: null, ref: '3', topic, event: 'broadcast', payload }, false)
    client.send({ join_ref: '77', ref: '4', topic, event: 'broadcast', payload }, false)
    const later = (await client.barrier()).map((f) => f.message).filter((m) => m.event === 'phx_reply')
    expect(later).toEqual([
      { join_ref: jr(vsn, '1'), ref: '3', topic, event: 'phx_reply', payload: ok() },
      { join_ref: jr(vsn, '1'), ref: '4', topic, event: 'phx_reply', payload: ok() },
    ])
    await client.close()
  })

  test('T4 public presence: state after join, then track → reply and diff to everyone', async () => {
    const [a, b] = [await connect(vsn), await connect(vsn)]
    const topic = `realtime:t4-${vsn}`
    expect(
      (await a.join(topic, { config: { presence: { key: '', enabled: true }, private: false } }, '1')).payload,
    ).toEqual(ok({ postgres_changes: [] }))
    expect((await a.next()).message).toEqual({
      join_ref: jr(vsn, '1'),
      ref: null,
      topic,
      event: 'presence_state',
      payload: {},
    })
    await b.join(topic, { config: {} }, '1') // presence not enabled: still receives diffs on a public channel
    a.send({
      join_ref: '1',
      ref: '2',
      topic,
      event: 'presence',
      payload: { type: 'presence', event: 'track', payload: { name: 'a', t: 1814.7 } },
    })
    const frames = (await a.barrier()).map((f) => f.message)
    expect(frames).toContainEqual({ join_ref: jr(vsn, '1'), ref: '2', topic, event: 'phx_reply', payload: ok() })
    const diff = frames.find((m) => m.event === 'presence_diff')
    expect(diff).toMatchObject({ join_ref: null, ref: null, topic, payload: { leaves: {} } })
    const joins = (diff!.payload as { joins: Record<string, { metas: unknown[] }> }).joins
    const [key] = Object.keys(joins)
    expect(key).toMatch(/^[0-9a-f-]{36}$/) // a fresh UUID for an empty key
    expect(joins[key!]!.metas).toEqual([{ phx_ref: expect.any(String), name: 'a', t: 1814.7 }])
    expect((await b.next((m) => m.event === 'presence_diff')).message.payload).toEqual(diff!.payload)
    await Promise.all([a.close(), b.close()])
  })

  test('T5 postgres_changes: id in the reply, system status, then the INSERT', async () => {
    const client = await connect(vsn)
    const topic = `realtime:t5-${vsn}`
    const reply = await client.join(
      topic,
      { config: { postgres_changes: [{ event: 'INSERT', schema: 'public' }] } },
      '1',
    )
    expect(reply.payload).toEqual(
      ok({ postgres_changes: [{ event: 'INSERT', schema: 'public', id: expect.any(Number) }] }),
    )
    const id = (reply.payload as { response: { postgres_changes: Array<{ id: number }> } }).response
      .postgres_changes[0]!.id
    expect((await client.next()).message).toEqual({
      join_ref: jr(vsn, '1'),
      ref: null,
      topic,
      event: 'system',
      payload: {
        channel: `t5-${vsn}`,
        extension: 'postgres_changes',
        message: 'Subscribed to PostgreSQL',
        status: 'ok',
      },
    })
    expect((await admin(ctx.server, '/admin/sql', { sql: "insert into test (details) values ('test')" })).status).toBe(
      200,
    )
    const change = (await client.next((m) => m.event === 'postgres_changes')).message
    expect(change).toMatchObject({ join_ref: null, ref: null, topic })
    expect(change.payload).toEqual({
      ids: [id],
      data: {
        columns: [
          { name: 'id', type: 'int4' },
          { name: 'details', type: 'text' },
        ],
        commit_timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        errors: null,
        record: { details: 'test', id: expect.any(Number) },
        schema: 'public',
        table: 'test',
        type: 'INSERT',
      },
    })
    await client.close()
  })

  test('T6 an expired access_token shuts the channel: system error, then phx_close', async () => {
    const client = await connect(vsn)
    const topic = 'realtime:room'
    await client.join(topic, { config: {} }, '1')
    const expired = await token(ctx.server, { sub: 'u' }, -1000)
    client.send({ join_ref: '1', ref: '3', topic, event: 'access_token', payload: { access_token: expired } })
    const frames = (await client.barrier()).map((f) => f.message)
    expect(frames).toEqual([
      {
        join_ref: jr(vsn, '1'),
        ref: null,
        topic,
        event: 'system',
        payload: {
          channel: 'room',
          extension: 'system',
          message: expect.stringMatching(/^Token has expired 100\d seconds ago$/),
          status: 'error',
        },
      },
      { join_ref: jr(vsn, '1'), ref: '1', topic, event: 'phx_close', payload: {} },
    ])
    await client.close()
  })

  test('T7 a private channel without policies is refused', async () => {
    const client = await connect(vsn)
    expect(await client.join('realtime:room', { config: { private: true } }, '1')).toEqual({
      join_ref: jr(vsn, '1'),
      ref: '1',
      topic: 'realtime:room',
      event: 'phx_reply',
      payload: {
        status: 'error',
        response: { reason: 'Unauthorized: You do not have permissions to read from this Channel topic: room' },
      },
    })
    await client.close()
  })

  test('T9 leave: ok reply, then phx_close with the join_ref', async () => {
    const client = await connect(vsn)
    const topic = 'realtime:any'
    await client.join(topic, { config: {} }, '1')
    client.send({ join_ref: '1', ref: '4', topic, event: 'phx_leave', payload: {} })
    expect((await client.barrier()).map((f) => f.message)).toEqual([
      { join_ref: jr(vsn, '1'), ref: '4', topic, event: 'phx_reply', payload: ok() },
      { join_ref: jr(vsn, '1'), ref: '1', topic, event: 'phx_close', payload: {} },
    ])
    await client.close()
  })

  test('T10 a duplicate join: the new reply first, then phx_close of the old join_ref', async () => {
    const client = await connect(vsn)
    const topic = 'realtime:x'
    await client.join(topic, { config: {} }, '1')
    client.send({ join_ref: '2', ref: '2', topic, event: 'phx_join', payload: { config: {} } })
    expect((await client.barrier()).map((f) => f.message)).toEqual([
      { join_ref: jr(vsn, '2'), ref: '2', topic, event: 'phx_reply', payload: ok({ postgres_changes: [] }) },
      { join_ref: jr(vsn, '1'), ref: '1', topic, event: 'phx_close', payload: {} },
    ])
    await client.close()
  })

  test('T11 unmatched topic, and a push to a topic not joined', async () => {
    const client = await connect(vsn)
    client.send({ join_ref: '1', ref: '1', topic: 'room', event: 'phx_join', payload: {} })
    client.send({ join_ref: '9', ref: '7', topic: 'realtime:nojoin', event: 'broadcast', payload: {} }, false)
    const unmatched = { status: 'error', response: { reason: 'unmatched topic' } }
    expect((await client.barrier()).map((f) => f.message)).toEqual([
      { join_ref: null, ref: '1', topic: 'room', event: 'phx_reply', payload: unmatched },
      { join_ref: null, ref: '7', topic: 'realtime:nojoin', event: 'phx_reply', payload: unmatched },
    ])
    await client.close()
  })
})

describe('binary broadcast (T3)', () => {
  test('kind 3 in → kind 4 to V2 members (self included), JSON text to V1 members, then the ack', async () => {
    const sender = await connect('2.0.0')
    const v1 = await connect('1.0.0')
    const topic = 'realtime:any-binary'
    await sender.join(topic, { config: { broadcast: { self: true, ack: true } } }, '1')
    await v1.join(topic, { config: {} }, '1')
    sender.send({
      join_ref: '1',
      ref: '2',
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'TEST', payload: { msg: 1 } },
    })
    const frames = await sender.barrier()
    const bytes = (...parts: Array<number | string>) =>
      Array.from(parts.flatMap((p) => (typeof p === 'number' ? [p] : [...new TextEncoder().encode(p)])))
    expect(frames[0]!.binary).toBe(true)
    expect(Array.from(new Uint8Array(frames[0]!.raw as ArrayBuffer))).toEqual(
      bytes(0x04, topic.length, 0x04, 0x00, 0x01, topic, 'TEST', '{"msg":1}'),
    )
    expect(frames[1]!.message).toEqual({ join_ref: '1', ref: '2', topic, event: 'phx_reply', payload: ok() })
    const text = await v1.next((m) => m.event === 'broadcast')
    expect(text.raw).toBe(
      `{"topic":"${topic}","event":"broadcast","payload":{"type":"broadcast","event":"TEST","payload":{"msg":1}},"ref":null}`,
    )
    await Promise.all([sender.close(), v1.close()])
  })

  test('a binary user payload reaches V2 members and is dropped for V1 members', async () => {
    const sender = await connect('2.0.0')
    const v2 = await connect('2.0.0')
    const v1 = await connect('1.0.0')
    const topic = 'realtime:raw-bytes'
    for (const c of [sender, v2, v1]) await c.join(topic, { config: {} }, '1')
    sender.send({
      join_ref: '1',
      ref: '2',
      topic,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'bin', payload: new Uint8Array([1, 2, 3]) },
    })
    const got = await v2.next((m) => m.event === 'broadcast')
    expect(got.message.payload).toEqual({ type: 'broadcast', event: 'bin', payload: new Uint8Array([1, 2, 3]).buffer })
    expect(await v1.barrier()).toEqual([])
    await Promise.all([sender.close(), v2.close(), v1.close()])
  })
})
