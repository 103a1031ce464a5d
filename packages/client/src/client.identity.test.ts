// Share only within one identity (issue #13, docs/decisions.md 61), with the in-page host in Node (`transport: ws`)
// against the real dev server: clients of different users never share a socket, a token or a presence entry; a
// client whose user changes moves to that user's engine, its channels with it; options that shape the socket are
// part of the key.

import { collector } from '@shared-realtime/test-support/collector'
import { expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient, type RealtimeChannel, type RealtimeClientOptions } from './index.ts'
import { useDevServer } from './test-support/dev-server.ts'

const dev = useDevServer()
const { sockets, userToken } = dev

/** Clients of one app: equal params (the test's name keeps tests apart). */
const client = (app: string, options: RealtimeClientOptions = {}) =>
  new RealtimeClient(dev.server.url, {
    params: { apikey: dev.server.keys.anon, app },
    transport: WebSocket as never,
    ...options,
  })

const subscribed = (channel: RealtimeChannel) =>
  new Promise<string>((resolve) =>
    channel.subscribe((status, error) => resolve(error ? `${status}: ${error.message}` : status)),
  )

/** The engine's identity as the client's inspect() shows it. */
const identityOf = async (c: RealtimeClient) => ((await c.inspect()).engine as { identity: string | null }).identity

test('two users in one process: a user client and an anon client never share a socket or a token', async () => {
  const user = client('two-users')
  await user.setAuth(userToken('u1'))
  expect(await subscribed(user.channel('user:u1', { config: { private: true } }))).toBe('SUBSCRIBED')
  // an anon client of the same app, with an accessToken callback: before, it turned the shared socket's token anon
  const anon = client('two-users', { accessToken: async () => dev.server.keys.anon })
  expect(await subscribed(anon.channel(`lobby-${Date.now()}`))).toBe('SUBSCRIBED')
  // a new private join of the user still carries the user's token
  expect(await subscribed(user.channel('private-room', { config: { private: true } }))).toBe('SUBSCRIBED')
  expect({ user: await identityOf(user), anon: await identityOf(anon), sockets: await sockets() }).toEqual({
    user: 'authenticated:u1',
    anon: 'anon',
    sockets: 2,
  })
  await Promise.all([user.removeAllChannels(), anon.removeAllChannels()])
})

test('clients of one user share one socket; the same app with another option gets its own', async () => {
  const before = await sockets()
  const [a, b] = [client('one-user'), client('one-user')]
  await Promise.all([a.setAuth(userToken('u2')), b.setAuth(userToken('u2'))])
  const c = client('one-user', { timeout: 7000 }) // another join timeout: not silently the first client's
  const topic = `shared-${Date.now()}`
  expect(await Promise.all([subscribed(a.channel(topic)), subscribed(b.channel(topic))])).toEqual([
    'SUBSCRIBED',
    'SUBSCRIBED',
  ])
  expect(await sockets()).toBe(before + 1)
  expect(await subscribed(c.channel(topic))).toBe('SUBSCRIBED')
  expect(await sockets()).toBe(before + 2)
  await Promise.all([a.removeAllChannels(), b.removeAllChannels(), c.removeAllChannels()])
})

test(
  'sign-in and sign-out move the client to its new identity, channels and presence with it',
  { timeout: 20_000 },
  async () => {
    const topic = `moving-${Date.now()}`
    const sender = client('moving-sender')
    const out = sender.channel(topic, { config: { broadcast: { ack: true } } })
    expect(await subscribed(out)).toBe('SUBSCRIBED')
    const watcher = client('moving-watcher')
    const seen = watcher.channel(topic, { config: { presence: { key: 'watcher' } } })
    const presence = collector<string[]>()
    seen.on('presence', { event: 'sync' }, () => presence.push(Object.keys(seen.presenceState()).toSorted()))
    expect(await subscribed(seen)).toBe('SUBSCRIBED')

    const app = client('moving')
    const got = collector<unknown>()
    const system = collector<string>()
    const ch = app
      .channel(topic, { config: { presence: { key: 'mover' } } })
      .on('broadcast', { event: 'msg' }, (m: { payload: unknown }) => got.push(m.payload))
      .on('system', {}, (m: { message?: string }) => system.push(String(m.message)))
    expect(await subscribed(ch)).toBe('SUBSCRIBED')
    expect(await ch.track({ who: 'anon' })).toBe('ok')
    await presence.until((keys) => keys.includes('mover'))
    expect(await identityOf(app)).toBe('anon')

    const presenceBefore = presence.items.length
    // sign-in: the client moves to u3's engine; its channel has rejoined there when setAuth resolves, and says so
    await app.setAuth(userToken('u3'))
    expect({ identity: await identityOf(app), state: ch.state }).toEqual({
      identity: 'authenticated:u3',
      state: 'joined',
    })
    await system.until((message) => message === 'resubscribed')
    expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })).toBe('ok')
    expect(await got.count(1)).toEqual([{ n: 1 }])
    // its presence followed it: it left with the old socket and is back under its own key, once
    await presence.until((keys) => presence.items.indexOf(keys) > presenceBefore && keys.join() === 'mover')
    expect(presence.items.at(-1)).toEqual(['mover'])
    // and the user's private topic is now open to it
    expect(await subscribed(app.channel('user:u3', { config: { private: true } }))).toBe('SUBSCRIBED')

    // sign-out (the anon key, as supabase-js's callback answers): back to an anon engine; u3's socket is released
    const socketsSignedIn = await sockets()
    await app.setAuth(dev.server.keys.anon)
    expect(await identityOf(app)).toBe('anon')
    expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n: 2 } })).toBe('ok')
    expect((await got.count(2))[1]).toEqual({ n: 2 })
    expect(await sockets()).toBe(socketsSignedIn) // one socket left, one opened
    await Promise.all([app.removeAllChannels(), watcher.removeAllChannels(), sender.removeAllChannels()])
  },
)

test('an accessToken callback that now answers for another user moves the client at its next setAuth()', async () => {
  let token = userToken('u4')
  let asked = 0
  const app = client('callback', { accessToken: async () => (asked++, token) })
  const ch = app.channel(`callback-${Date.now()}`)
  expect(await subscribed(ch)).toBe('SUBSCRIBED')
  expect(await identityOf(app)).toBe('authenticated:u4')
  const askedBefore = asked
  token = userToken('u5')
  await app.setAuth() // supabase-js's call on an auth change
  expect(await identityOf(app)).toBe('authenticated:u5')
  expect(app.accessTokenValue).toBe(token)
  expect(await subscribed(app.channel('user:u5', { config: { private: true } }))).toBe('SUBSCRIBED')
  // asked once by the client and once by the new engine; the old engine was not handed u5's token
  expect(asked - askedBefore).toBeLessThanOrEqual(2)
  await app.removeAllChannels()
})

test('guards: a client option, checked at construction, part of the engine key, and applied to its socket', async () => {
  expect(() => client('guards', { guards: { maxChannels: 0 } })).toThrow(
    'RealtimeClientOptions.guards.maxChannels must be an integer ≥ 1 (or Infinity), got 0',
  )
  const before = await sockets()
  const small = client('guards', { guards: { maxChannels: 1 } })
  const other = client('guards') // the defaults: not the same engine
  const stamp = Date.now()
  expect(await subscribed(small.channel(`g1-${stamp}`))).toBe('SUBSCRIBED')
  expect(await subscribed(small.channel(`g2-${stamp}`))).toMatch(/^CHANNEL_ERROR: .*1 channel/)
  expect(await subscribed(other.channel(`g2-${stamp}`))).toBe('SUBSCRIBED')
  expect(await sockets()).toBe(before + 2)
  await Promise.all([small.removeAllChannels(), other.removeAllChannels()])
})

test('an accessToken callback that fails leaves the client anon: it attaches and joins with the anon key', async () => {
  const app = client('failing-callback', {
    accessToken: () => Promise.reject(new Error('auth server down')),
  })
  expect(await subscribed(app.channel(`failing-${Date.now()}`))).toBe('SUBSCRIBED')
  expect(await identityOf(app)).toBe('anon')
  await app.removeAllChannels()
})
