// /demo/*: the demo app's dev-only routes (issue #6), their schema and seed, and their changes
// reaching postgres_changes subscribers.
import { randomUUID } from 'node:crypto'
import { describe, expect, test } from 'vitest'
import { verifyToken } from '../auth/index.ts'
import { RawClient } from '../test-support/raw-client.ts'
import { token as signed, useServer } from '../test-support/server.ts'
import { colorFor, GUEST_COLORS, guestSecret } from './routes.ts'
import { DEMO_SQL } from './sql.ts'

const ctx = useServer({ demo: true })
const off = useServer({})
const twice = useServer({ demo: true, sql: DEMO_SQL }) // the schema and seed run twice: idempotent
const otherSecret = useServer({ demo: true, jwtSecret: 'another-jwt-secret-of-at-least-32-characters' })

interface Message {
  id: string
  room: string
  user_id: string
  user_name: string
  color: string
  text: string
  created_at: string
}
interface Todo {
  id: number
  list_id: number
  title: string
  done: boolean
  created_at: string
}
interface Body {
  error?: string
  messages?: Message[]
  message?: Message
  todos?: Todo[]
  todo?: Todo
}

async function call(
  method: string,
  path: string,
  { token, body, base = ctx }: { token?: string; body?: unknown; base?: typeof ctx } = {},
) {
  const res = await fetch(`${base.server.httpUrl}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : {}) as Body }
}

interface Guest {
  token: string
  secret: string
  user: { id: string; name: string; color: string }
}

async function guest(name = 'Ada'): Promise<Guest> {
  const res = await call('POST', '/demo/guest', { body: { name } })
  expect(res.status).toBe(200)
  return res.body as never
}

describe('guest', () => {
  test('gives a 24 h HS256 token for role authenticated carrying the name and colour', async () => {
    const { token, user } = await guest('  Grace Hopper ')
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'Grace Hopper',
      color: colorFor('Grace Hopper'),
    })
    expect(GUEST_COLORS).toContain(user.color)
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' })
    const verified = await verifyToken(token, ctx.server.jwtSecret, Date.now() / 1000)
    expect(verified.ok).toBe(true)
    if (!verified.ok) return
    expect(verified.claims).toMatchObject({
      role: 'authenticated',
      sub: user.id,
      user_metadata: { name: 'Grace Hopper', color: user.color },
    })
    expect(verified.claims.exp - Date.now() / 1000).toBeGreaterThan(24 * 3600 - 60)
    expect(verified.claims.exp - Date.now() / 1000).toBeLessThanOrEqual(24 * 3600)
    expect(colorFor('Grace Hopper')).toBe(user.color) // stable
  })

  test('400 naming the field for a missing, empty or too long name, and for bad JSON', async () => {
    for (const body of [{}, { name: '   ' }, { name: 'x'.repeat(41) }, { name: 5 }]) {
      const res = await call('POST', '/demo/guest', { body })
      expect(res.status).toBe(400)
      expect(res.body.error).toContain('"name"')
    }
    expect(await call('POST', '/demo/guest', { body: '{nope' })).toMatchObject({
      status: 400,
      body: { error: 'the request body is not valid JSON' },
    })
  })

  test('a new id for each new guest; the same id again when the browser sends the id and secret it kept', async () => {
    const first = await guest('Ada')
    const second = await guest('Ada')
    expect(second.user.id).not.toBe(first.user.id) // the same name is not the same person
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/) // 256 bits, base64url
    expect(second.secret).not.toBe(first.secret)
    const again = await call('POST', '/demo/guest', {
      body: { name: 'Ada L.', id: first.user.id.toUpperCase(), secret: first.secret },
    })
    expect(again.status).toBe(200)
    expect(again.body as unknown as Guest).toMatchObject({
      secret: first.secret, // the same secret for the same guest: the browser keeps it
      user: { id: first.user.id, name: 'Ada L.', color: colorFor('Ada L.') },
    })
    for (const id of ['', 'not-a-uuid', 42, null]) {
      const res = await call('POST', '/demo/guest', { body: { name: 'Ada', id, secret: first.secret } })
      expect(res.status).toBe(400)
      expect(res.body.error).toContain('"id" must be a UUID')
    }
    const secretAlone = await call('POST', '/demo/guest', { body: { name: 'Ada', secret: first.secret } })
    expect(secretAlone.status).toBe(400)
    expect(secretAlone.body.error).toContain('"secret" goes with the "id"')
  })

  test('403 for a guest id without its secret: ids are public, so an id alone signs nobody in (issue #16)', async () => {
    const alice = await guest('Alice')
    const mallory = await guest('Mallory')
    const attempts: Array<[unknown, RegExp]> = [
      [undefined, /"id" needs the "secret"/],
      [42, /"id" needs the "secret"/],
      ['', /"secret" is not the secret of this guest id/],
      [mallory.secret, /"secret" is not the secret of this guest id/], // a real secret, of another guest
      [alice.secret.slice(0, -1), /"secret" is not the secret/],
      [`${alice.secret}A`, /not the secret/],
      [guestSecret('another-jwt-secret-of-at-least-32-characters', alice.user.id), /not the secret/],
    ]
    for (const [secret, error] of attempts) {
      const body =
        secret === undefined ? { name: 'Mallory', id: alice.user.id } : { name: 'Mallory', id: alice.user.id, secret }
      const res = await call('POST', '/demo/guest', { body })
      expect({ secret, status: res.status }).toEqual({ secret, status: 403 })
      expect(res.body.error).toMatch(error)
      expect(res.body).not.toHaveProperty('token')
    }
    // a server with another JWT secret does not know Alice's secret either
    const elsewhere = await call('POST', '/demo/guest', {
      base: otherSecret,
      body: { name: 'Alice', id: alice.user.id, secret: alice.secret },
    })
    expect(elsewhere.status).toBe(403)
    // and Alice, with hers, is still Alice
    const back = await call('POST', '/demo/guest', { body: { name: 'Alice', id: alice.user.id, secret: alice.secret } })
    expect(back.status).toBe(200)
    expect((back.body as unknown as Guest).user.id).toBe(alice.user.id)
  })
})

describe('authors', () => {
  test("a message is stored under the token's sub, with a colour only if it is #rrggbb", async () => {
    const room = `colors-${randomUUID()}`
    const post = async (color: unknown) => {
      const token = await signed(ctx.server, { sub: `user-${randomUUID()}`, user_metadata: { name: 'Eve', color } })
      const res = await call('POST', `/demo/rooms/${room}/messages`, { token, body: { id: randomUUID(), text: 'hi' } })
      expect(res.status).toBe(201)
      return res.body.message!.color
    }
    expect(await post('#12abEF')).toBe('#12abEF')
    for (const color of ['url(http://evil.example/x.png)', 'red', '#fff', '#12345g', ' #123456', 42, null]) {
      expect({ color, stored: await post(color) }).toEqual({ color, stored: colorFor('Eve') })
    }
  })
})

describe('CORS and auth', () => {
  test('OPTIONS preflight answers 204 with open CORS; every answer carries it', async () => {
    const res = await fetch(`${ctx.server.httpUrl}/demo/lists/1/todos`, { method: 'OPTIONS' })
    expect(res.status).toBe(204)
    expect(res.headers.get('access-control-allow-origin')).toBe('*')
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST,PATCH,DELETE,OPTIONS')
    expect(res.headers.get('access-control-allow-headers')).toBe('authorization,content-type,apikey')
    const unauthorized = await call('GET', '/demo/lists/1/todos')
    expect(unauthorized.headers.get('access-control-allow-origin')).toBe('*')
  })

  test('401 without a token or with a bad one', async () => {
    const none = await call('GET', '/demo/rooms/lobby/messages')
    expect(none.status).toBe(401)
    expect(none.body.error).toMatch(/Authorization: Bearer/)
    for (const [method, path] of [
      ['POST', '/demo/rooms/lobby/messages'],
      ['GET', '/demo/lists/1/todos'],
      ['POST', '/demo/lists/1/todos'],
      ['PATCH', '/demo/todos/1'],
      ['DELETE', '/demo/todos/1'],
    ] as const) {
      expect((await call(method, path, method === 'GET' ? {} : { body: {} })).status).toBe(401)
    }
    const bad = await call('GET', '/demo/lists/1/todos', { token: 'not.a.jwt' })
    expect(bad.status).toBe(401)
    expect(typeof bad.body.error).toBe('string')
  })

  test('unknown demo routes answer 404 with an error', async () => {
    const { token } = await guest()
    expect(await call('GET', '/demo/nothing', { token })).toMatchObject({
      status: 404,
      body: { error: 'no demo route GET /demo/nothing' },
    })
  })
})

describe('messages', () => {
  test('the seed has a welcome message in the lobby', async () => {
    const { token } = await guest()
    const { status, body } = await call('GET', '/demo/rooms/lobby/messages', { token })
    expect(status).toBe(200)
    expect(body.messages![0]).toMatchObject({ room: 'lobby', text: expect.stringContaining('Welcome') })
  })

  test('history is oldest first, the newest `limit` of them, from this room only', async () => {
    const { token, user } = await guest('Linus')
    const room = `history-${randomUUID()}`
    for (let i = 1; i <= 5; i++) {
      expect(
        (await call('POST', `/demo/rooms/${room}/messages`, { token, body: { id: randomUUID(), text: `m${i}` } }))
          .status,
      ).toBe(201)
    }
    await call('POST', '/demo/rooms/elsewhere/messages', { token, body: { id: randomUUID(), text: 'not here' } })
    const all = await call('GET', `/demo/rooms/${room}/messages`, { token })
    expect(all.body.messages!.map((m: Message) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5'])
    expect(all.body.messages![0]).toEqual({
      id: expect.any(String),
      room,
      user_id: user.id,
      user_name: 'Linus',
      color: user.color,
      text: 'm1',
      created_at: expect.stringMatching(/^\d{4}-/),
    })
    const last = await call('GET', `/demo/rooms/${room}/messages?limit=2`, { token })
    expect(last.body.messages!.map((m: Message) => m.text)).toEqual(['m4', 'm5'])
    expect((await call('GET', `/demo/rooms/${room}/messages?limit=abc`, { token })).body.error).toContain('limit')
  })

  test('posting is idempotent on the client id: 201, then 200 with the stored message', async () => {
    const { token } = await guest()
    const id = randomUUID()
    const first = await call('POST', '/demo/rooms/idem/messages', { token, body: { id, text: 'once' } })
    expect(first.status).toBe(201)
    const again = await call('POST', '/demo/rooms/idem/messages', { token, body: { id, text: 'twice?' } })
    expect(again).toMatchObject({ status: 200, body: { message: first.body.message } })
    const history = await call('GET', '/demo/rooms/idem/messages', { token })
    expect(history.body.messages!.filter((m: Message) => m.id === id)).toHaveLength(1)
  })

  test('400s name the field', async () => {
    const { token } = await guest()
    const noId = await call('POST', '/demo/rooms/x/messages', { token, body: { id: 'nope', text: 'hi' } })
    expect(noId.status).toBe(400)
    expect(noId.body.error).toContain('"id"')
    const long = await call('POST', '/demo/rooms/x/messages', {
      token,
      body: { id: randomUUID(), text: 'x'.repeat(2001) },
    })
    expect(long.status).toBe(400)
    expect(long.body.error).toContain('"text"')
  })
})

describe('todos', () => {
  test('seeded lists, then create, update and delete', async () => {
    const { token } = await guest()
    const list2 = await call('GET', '/demo/lists/2/todos', { token })
    expect(list2.status).toBe(200)
    expect(list2.body.todos).toHaveLength(2)
    expect(list2.body.todos![0]).toEqual({
      id: expect.any(Number),
      list_id: 2,
      title: 'Buy milk',
      done: false,
      created_at: expect.any(String),
    })

    const created = await call('POST', '/demo/lists/7/todos', { token, body: { title: ' Paint the fence ' } })
    expect(created).toMatchObject({
      status: 201,
      body: { todo: { list_id: 7, title: 'Paint the fence', done: false } },
    })
    const id = created.body.todo!.id as number
    expect(await call('PATCH', `/demo/todos/${id}`, { token, body: { done: true } })).toMatchObject({
      status: 200,
      body: { todo: { id, done: true, title: 'Paint the fence' } },
    })
    expect(await call('PATCH', `/demo/todos/${id}`, { token, body: { title: 'Paint it red' } })).toMatchObject({
      status: 200,
      body: { todo: { id, done: true, title: 'Paint it red' } },
    })
    expect((await call('GET', '/demo/lists/7/todos', { token })).body.todos!.map((t: Todo) => t.title)).toEqual([
      'Paint it red',
    ])
    expect((await call('DELETE', `/demo/todos/${id}`, { token })).status).toBe(204)
    expect((await call('DELETE', `/demo/todos/${id}`, { token })).status).toBe(404)
    expect((await call('PATCH', `/demo/todos/${id}`, { token, body: { done: false } })).status).toBe(404)
    expect((await call('GET', '/demo/lists/7/todos', { token })).body.todos).toEqual([])
  })

  test('400s name the field', async () => {
    const { token } = await guest()
    expect((await call('POST', '/demo/lists/1/todos', { token, body: { title: '' } })).body.error).toContain('"title"')
    expect((await call('POST', '/demo/lists/abc/todos', { token, body: { title: 'x' } })).body.error).toContain('list')
    const done = await call('PATCH', '/demo/todos/1', { token, body: { done: 'yes' } })
    expect(done.status).toBe(400)
    expect(done.body.error).toContain('"done"')
    expect((await call('PATCH', '/demo/todos/1', { token, body: {} })).status).toBe(400)
  })

  test('an insert through the route reaches a postgres_changes subscriber filtered on list_id=eq.1', async () => {
    const { token } = await guest()
    const client = await RawClient.connect(ctx.server.url, token)
    const topic = 'realtime:demo-todos-1'
    const reply = await client.join(topic, {
      config: { postgres_changes: [{ event: '*', schema: 'public', table: 'demo_todos', filter: 'list_id=eq.1' }] },
      access_token: token,
    })
    expect(reply.payload).toMatchObject({ status: 'ok' })
    await client.next(
      (m) => m.event === 'system' && (m.payload as { message?: string }).message === 'Subscribed to PostgreSQL',
    )
    await call('POST', '/demo/lists/2/todos', { token, body: { title: 'other list' } })
    const created = await call('POST', '/demo/lists/1/todos', { token, body: { title: 'seen live' } })
    const change = (await client.next((m) => m.event === 'postgres_changes')).message
    expect((change.payload as { data: unknown }).data).toMatchObject({
      type: 'INSERT',
      table: 'demo_todos',
      record: { id: created.body.todo!.id, list_id: 1, title: 'seen live', done: false },
    })
    expect(await client.barrier()).toEqual([]) // the list 2 insert never came
    await client.close()
  })
})

test('schema and seed are idempotent (run twice, still seeded once)', async () => {
  const { body } = await call('POST', '/demo/guest', { base: twice, body: { name: 'Ada' } })
  const token = (body as unknown as { token: string }).token
  expect((await call('GET', '/demo/lists/1/todos', { base: twice, token })).body.todos).toHaveLength(3)
  expect((await call('GET', '/demo/lists/2/todos', { base: twice, token })).body.todos).toHaveLength(2)
  expect((await call('GET', '/demo/rooms/lobby/messages', { base: twice, token })).body.messages).toHaveLength(1)
})

describe('demo off (the default)', () => {
  test('/demo/* answers 404', async () => {
    expect((await call('POST', '/demo/guest', { base: off, body: { name: 'Ada' } })).status).toBe(404)
    expect((await call('GET', '/demo/lists/1/todos', { base: off })).status).toBe(404)
  })
})
