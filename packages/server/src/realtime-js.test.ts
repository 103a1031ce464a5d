// The official client against the dev server: what an app using @supabase/realtime-js
// sees (its WebSocket is `ws`, as on Node 20). Covers broadcast (self, ack, binary),
// presence between two clients, postgres_changes with filters, private channels,
// token expiry and httpSend.

import { RealtimeClient } from '@supabase/realtime-js'
import { afterEach, describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { policiesFromRules } from './policies/index.ts'
import { collector, subscribe } from './test-support/realtime-js.ts'
import { token, useServer } from './test-support/server.ts'

const ctx = useServer({
  admin: true,
  policies: undefined,
  log: process.env.DEBUG_SERVER ? 'debug' : 'silent',
})

const clients: RealtimeClient[] = []
afterEach(async () => {
  for (const c of clients.splice(0)) {
    await c.removeAllChannels()
    await c.disconnect()
  }
})

function client(options: Record<string, unknown> = {}): RealtimeClient {
  const c = new RealtimeClient(ctx.server.url, {
    params: { apikey: ctx.server.keys.anon },
    transport: WebSocket as never,
    ...options,
  })
  clients.push(c)
  return c
}

describe('broadcast', () => {
  test('reaches the other client and, with self: true, the sender; ack resolves "ok"', async () => {
    const [a, b] = [client(), client()]
    const fromA = collector<unknown>()
    const fromB = collector<unknown>()
    const chA = a
      .channel('room1', { config: { broadcast: { self: true, ack: true } } })
      .on('broadcast', { event: 'msg' }, (p) => fromA.push(p))
    const chB = b.channel('room1').on('broadcast', { event: 'msg' }, (p) => fromB.push(p))
    expect(await subscribe(chA)).toEqual({ status: 'SUBSCRIBED' })
    expect(await subscribe(chB)).toEqual({ status: 'SUBSCRIBED' })
    expect(await chA.send({ type: 'broadcast', event: 'msg', payload: { text: 'hi' } })).toBe('ok')
    const expected = { type: 'broadcast', event: 'msg', payload: { text: 'hi' } }
    expect(await fromB.count(1)).toEqual([expected])
    expect(await fromA.count(1)).toEqual([expected])
  })

  test('without self the sender does not get its own message', async () => {
    const [a, b] = [client(), client()]
    const fromA = collector<unknown>()
    const fromB = collector<unknown>()
    const chA = a.channel('room2').on('broadcast', { event: '*' }, (p) => fromA.push(p))
    const chB = b.channel('room2').on('broadcast', { event: '*' }, (p) => fromB.push(p))
    await subscribe(chA)
    await subscribe(chB)
    await chA.send({ type: 'broadcast', event: 'one', payload: 1 })
    await chB.send({ type: 'broadcast', event: 'two', payload: 2 })
    expect((await fromB.count(1)).map((p) => (p as { event: string }).event)).toEqual(['one'])
    expect((await fromA.count(1)).map((p) => (p as { event: string }).event)).toEqual(['two'])
  })

  test('an ArrayBuffer payload arrives as an ArrayBuffer', async () => {
    const [a, b] = [client(), client()]
    const got = collector<{ payload: ArrayBuffer }>()
    const chA = a.channel('bin')
    const chB = b.channel('bin').on('broadcast', { event: 'bytes' }, (p) => got.push(p as never))
    await subscribe(chA)
    await subscribe(chB)
    await chA.send({ type: 'broadcast', event: 'bytes', payload: new Uint8Array([1, 2, 3]).buffer })
    const [message] = await got.count(1)
    expect(Array.from(new Uint8Array(message!.payload))).toEqual([1, 2, 3])
  })

  test('httpSend delivers through the REST API', async () => {
    const [a, b] = [client(), client()]
    const got = collector<unknown>()
    const chB = b.channel('rest-room').on('broadcast', { event: 'note' }, (p) => got.push(p))
    await subscribe(chB)
    const chA = a.channel('rest-room')
    await expect(chA.httpSend('note', { n: 1 })).resolves.toEqual({ success: true })
    expect(await got.count(1)).toEqual([{ type: 'broadcast', event: 'note', payload: { n: 1 } }])
  })
})

describe('presence', () => {
  test('two clients see each other join, and the leave when one untracks', async () => {
    const [a, b] = [client(), client()]
    const syncs = collector<unknown>()
    const joins = collector<{ key: string }>()
    const leaves = collector<{ key: string }>()
    const chA = a
      .channel('lobby', { config: { presence: { key: 'alice' } } })
      .on('presence', { event: 'sync' }, () => syncs.push(1))
      .on('presence', { event: 'join' }, (p) => joins.push(p))
      .on('presence', { event: 'leave' }, (p) => leaves.push(p))
    const chB = b.channel('lobby', { config: { presence: { key: 'bob' } } })
    await subscribe(chA)
    await subscribe(chB)
    await chA.track({ name: 'Alice' })
    await chB.track({ name: 'Bob' })
    await joins.count(2)
    expect(syncs.items.length).toBeGreaterThanOrEqual(2) // a sync after each applied diff
    expect(Object.keys(chA.presenceState()).toSorted()).toEqual(['alice', 'bob'])
    expect(chA.presenceState().bob).toEqual([{ presence_ref: expect.any(String), name: 'Bob' }])
    await chB.untrack()
    expect((await leaves.count(1))[0]!.key).toBe('bob')
    expect(Object.keys(chA.presenceState())).toEqual(['alice'])
  })
})

describe('private channels and tokens', () => {
  test('a private channel is refused without a policy', async () => {
    const c = client()
    const result = await subscribe(c.channel('secret', { config: { private: true } }))
    expect(result.status).toBe('CHANNEL_ERROR')
    expect(result.error?.message).toBe(
      'Unauthorized: You do not have permissions to read from this Channel topic: secret',
    )
  })

  test('a token that expires while joined closes the channel with a system message', async () => {
    // Set before subscribe(): with an accessToken callback, realtime-js 2.119.1 sends the
    // join before the callback resolves and then never pushes the token (supabase-js#2655).
    const short = await token(ctx.server, { sub: 'u1' }, 2)
    const c = client()
    await c.setAuth(short)
    const system = collector<{ message: string; status: string }>()
    const statuses = collector<string>()
    const ch = c.channel('expiring').on('system', {}, (p) => system.push(p as never))
    ch.subscribe((status) => statuses.push(status))
    await statuses.count(1)
    expect(statuses.items[0]).toBe('SUBSCRIBED')
    const [notice] = await system.count(1, 6000)
    expect(notice).toMatchObject({
      status: 'error',
      message: expect.stringMatching(/^Token has expired \d+ seconds ago$|^Token expiration time is invalid$|^0$/),
    })
    expect(await statuses.count(2, 6000)).toContain('CLOSED')
  }, 10_000)
})

describe('private channels with policies', () => {
  const secured = useServer({
    policies: policiesFromRules([
      { topic: 'user:{{sub}}', role: 'authenticated', broadcast: ['read', 'write'], presence: ['read', 'write'] },
      { topic: 'announcements', role: 'authenticated', broadcast: ['read'] },
    ]),
  })

  async function userClient(sub: string): Promise<RealtimeClient> {
    const c = new RealtimeClient(secured.server.url, {
      params: { apikey: secured.server.keys.anon },
      transport: WebSocket as never,
    })
    clients.push(c)
    await c.setAuth(await token(secured.server, { sub }))
    return c
  }

  test('a user joins their own topic and broadcasts on it; another user is refused', async () => {
    const [u1, u1b, u2] = [await userClient('u1'), await userClient('u1'), await userClient('u2')]
    const got = collector<unknown>()
    const listener = u1b
      .channel('user:u1', { config: { private: true } })
      .on('broadcast', { event: 'ping' }, (p) => got.push(p))
    expect(await subscribe(listener)).toEqual({ status: 'SUBSCRIBED' })
    const sender = u1.channel('user:u1', { config: { private: true, broadcast: { ack: true } } })
    expect(await subscribe(sender)).toEqual({ status: 'SUBSCRIBED' })
    expect(await sender.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } })).toBe('ok')
    expect(await got.count(1)).toEqual([{ type: 'broadcast', event: 'ping', payload: { n: 1 } }])
    const refused = await subscribe(u2.channel('user:u1', { config: { private: true } }))
    expect(refused.status).toBe('CHANNEL_ERROR')
    expect(refused.error?.message).toBe(
      'Unauthorized: You do not have permissions to read from this Channel topic: user:u1',
    )
  })

  test("a read-only member's broadcast is dropped without an ack", async () => {
    const [reader, other] = [await userClient('r1'), await userClient('r2')]
    const got = collector<unknown>()
    const listening = other
      .channel('announcements', { config: { private: true } })
      .on('broadcast', { event: '*' }, (p) => got.push(p))
    expect(await subscribe(listening)).toEqual({ status: 'SUBSCRIBED' })
    const ch = reader.channel('announcements', { config: { private: true, broadcast: { ack: true } } })
    expect(await subscribe(ch)).toEqual({ status: 'SUBSCRIBED' })
    expect(await ch.send({ type: 'broadcast', event: 'x', payload: {} }, { timeout: 300 })).toBe('timed out')
    expect(got.items).toEqual([])
  })
})
