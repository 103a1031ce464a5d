// realtime-js 2.109–2.112 token behaviours, side by side with realtime-js against the real dev server (issue #15,
// docs/decisions.md 74); this client runs its in-page host in Node (`transport: ws`). The server's answer decides:
// - 2.112.1: setAuth(token) with an accessToken callback uses the token now, but the callback stays the source of
//   truth: a short-lived explicit token does not close the channel at its expiry, the callback's token replaces it.
// - 2.112.2: after sign-out (the callback answers null, then setAuth()), no join carries the old user's token: a
//   rejoin of the user's private topic is refused by the server.
// - 2.109.0: `broadcast.replication_ready` is in the join, and the server's `system` notice reaches the channel.

import { collector } from '@shared-realtime/test-support/collector'
import { RealtimeClient as TheirClient } from '@supabase/realtime-js'
import { describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient as OurClient } from './index.ts'
import { useDevServer } from './test-support/dev-server.ts'

const dev = useDevServer()

// ── frames the clients send (every client of this file uses this transport; the page host keeps the first) ──

interface Sent {
  app: string
  topic: string
  event: string
  payload: Record<string, unknown>
}
const sent: Sent[] = []

class RecordingWebSocket extends WebSocket {
  readonly #app: string
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols)
    this.#app = new URL(url).searchParams.get('app') ?? ''
  }
  override send(data: unknown, ...rest: unknown[]): void {
    if (typeof data === 'string') {
      const frame = JSON.parse(data) as unknown
      // vsn 2.0.0 text frames are arrays [join_ref, ref, topic, event, payload]; vsn 1.0.0 are objects
      const [topic, event, payload] = Array.isArray(frame)
        ? [frame[2], frame[3], frame[4]]
        : [(frame as Sent).topic, (frame as Sent).event, (frame as Sent).payload]
      sent.push({ app: this.#app, topic: String(topic), event: String(event), payload: payload as Sent['payload'] })
    }
    ;(super.send as (...args: unknown[]) => void)(data, ...rest)
  }
}

const joinsOf = (app: string, from = 0) =>
  sent.slice(from).filter((f) => f.app === app && f.event === 'phx_join' && !f.topic.includes('token-check'))

// ── tokens ──

/** A token of user `sub` (role authenticated) signed with the dev server's secret, valid `seconds` from now. */
const userToken = (sub: string, seconds = 3600, extra: Record<string, unknown> = {}): string =>
  dev.userToken(sub, seconds, extra)

// ── the two clients, driven by one scenario ──

type Client = OurClient | TheirClient
type Channel = ReturnType<Client['channel']>
const KINDS = ['realtime-js', 'shared-realtime'] as const
type Kind = (typeof KINDS)[number]

function client(kind: Kind, app: string, options: Record<string, unknown>): Client {
  const common = { params: { apikey: dev.server.keys.anon, app }, transport: RecordingWebSocket as never, ...options }
  return kind === 'realtime-js' ? new TheirClient(dev.server.url, common) : new OurClient(dev.server.url, common)
}

/** Subscribes; every status (SUBSCRIBED, CHANNEL_ERROR: message, CLOSED…) is collected; resolves with the first. */
function subscribed(channel: Channel) {
  const statuses = collector<string>()
  const first = new Promise<string>((resolve) =>
    (channel.subscribe as (cb: (status: string, error?: Error) => void) => unknown)((status, error) => {
      const entry = error ? `${status}: ${error.message}` : status
      statuses.push(entry)
      resolve(entry)
    }),
  )
  return { first, statuses }
}

/** Listens to the channel's `system` events (the two clients' `on` overloads do not unify). */
function onSystem(channel: Channel, callback: (payload: Record<string, unknown>) => void): void {
  type On = { on(type: 'system', filter: object, cb: (payload: Record<string, unknown>) => void): unknown }
  ;(channel as unknown as On).on('system', {}, callback)
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function admin(path: string, body: unknown): Promise<void> {
  const res = await fetch(`${dev.server.httpUrl}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${dev.server.keys.service_role}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  })
  expect(res.status).toBe(200)
}

async function cleanup(c: Client): Promise<void> {
  await c.removeAllChannels()
  await c.disconnect()
}

describe.each(KINDS)('%s against the dev server', (kind) => {
  test(
    'setAuth(token) with an accessToken callback: the token is used now, the callback stays the source of truth',
    { timeout: 30_000 },
    async () => {
      const app = `source-${kind}`
      const sub = `source-${kind}`
      // the callback's token lives an hour; the explicit one, 5 s (a marker claim tells the two apart in the frames)
      const c = client(kind, app, { accessToken: async () => userToken(sub), heartbeatIntervalMs: 1000 })
      await c.setAuth() // realtime-js's subscribe() does not wait for the callback's first answer (REALTIME-JS.md §3.6)
      const channel = c.channel('private-room', { config: { private: true } })
      const system = collector<string>()
      onSystem(channel, (m) => system.push(String(m.message)))
      const { first, statuses } = subscribed(channel)
      expect(await first).toBe('SUBSCRIBED')

      const explicit = userToken(sub, 5, { marker: 'explicit' })
      const at = sent.length
      await c.setAuth(explicit)
      expect(c.accessTokenValue).toBe(explicit)
      // realtime-js pushes it at once; this client probes it with a throwaway join first, then pushes it
      await expect.poll(() => sent.slice(at).some((f) => f.payload?.access_token === explicit)).toBe(true)

      // past the explicit token's expiry: the callback was asked again, so the server never shut the channel down
      await wait(7000)
      expect({ statuses: statuses.items, state: channel.state }).toEqual({ statuses: ['SUBSCRIBED'], state: 'joined' })
      expect(system.items.filter((m) => /expired/i.test(m))).toEqual([])
      const pushed = sent.slice(at).filter((f) => f.app === app && f.event === 'access_token')
      expect(pushed.at(-1)?.payload.access_token).not.toBe(explicit)
      await cleanup(c)
    },
  )

  test(
    'sign-out (the callback answers null, then setAuth()): no later join carries the old user token',
    { timeout: 30_000 },
    async () => {
      const app = `signout-${kind}`
      const sub = `signout-${kind}`
      const user = userToken(sub)
      let session: string | null = user
      const c = client(kind, app, { accessToken: async () => session })
      await c.setAuth()
      const { first, statuses } = subscribed(c.channel(`user:${sub}`, { config: { private: true } }))
      expect(await first).toBe('SUBSCRIBED')
      expect(joinsOf(app).at(-1)?.payload.access_token).toBe(user)

      const at = sent.length
      session = null
      await c.setAuth()
      expect(c.accessTokenValue).toBeNull()
      // a reconnect makes every channel join again; a new channel joins too
      await admin('/admin/faults', { dropSockets: true })
      const other = subscribed(c.channel(`after-${kind}`))
      await other.statuses.until((s) => s === 'SUBSCRIBED') // realtime-js: after the dropped socket's CHANNEL_ERROR
      // the server refuses the user's private topic without the user's token
      await statuses.until((s) => s.startsWith('CHANNEL_ERROR') && /unauthorized|denied|not allowed/i.test(s))
      const joins = joinsOf(app, at)
      expect(joins.length).toBeGreaterThanOrEqual(2)
      expect(joins.filter((j) => j.payload.access_token === user)).toEqual([])
      await cleanup(c)
    },
  )

  test('setAuth() without a callback keeps the token (realtime-js re-sends the cached value)', async () => {
    const app = `no-callback-${kind}`
    const sub = `no-callback-${kind}`
    const user = userToken(sub)
    const c = client(kind, app, {})
    await c.setAuth(user)
    expect(await subscribed(c.channel(`user:${sub}`, { config: { private: true } })).first).toBe('SUBSCRIBED')
    await c.setAuth()
    expect(c.accessTokenValue).toBe(user)
    // the user's private topic still opens: the next join carries the user's token
    const again = c.channel('private-room', { config: { private: true } })
    expect(await subscribed(again).first).toBe('SUBSCRIBED')
    expect(joinsOf(app).at(-1)?.payload.access_token).toBe(user)
    await cleanup(c)
  })

  test('broadcast.replication_ready: in the join, and the server says when replication is ready', async () => {
    const app = `replication-${kind}`
    const c = client(kind, app, {})
    const topic = `replication-${kind}`
    const system = collector<Record<string, unknown>>()
    const channel = c.channel(topic, { config: { broadcast: { replication_ready: true } } })
    onSystem(channel, (payload) => system.push(payload))
    expect(await subscribed(channel).first).toBe('SUBSCRIBED')
    expect(joinsOf(app).at(-1)?.payload.config).toMatchObject({ broadcast: { replication_ready: true } })
    const ready = await system.until((p) => p.message === 'Replication connection established')
    expect(ready).toEqual({
      extension: 'system',
      status: 'ok',
      message: 'Replication connection established',
      channel: topic,
    })
    await cleanup(c)
  })

  test('broadcast.replication_ready asked by a second client of the topic: it hears the notice too', async () => {
    const app = `replication-two-${kind}`
    const topic = `replication-two-${kind}`
    const [first, second, third] = [client(kind, app, {}), client(kind, app, {}), client(kind, app, {})]
    const heard = { first: collector<unknown>(), second: collector<unknown>(), third: collector<unknown>() }
    const ready = (p: Record<string, unknown>) => p.message === 'Replication connection established'
    // the first asks nothing (this client's shared channel joins without it), then two ask for it
    const a = first.channel(topic)
    onSystem(a, (p) => ready(p) && heard.first.push(p))
    expect(await subscribed(a).first).toBe('SUBSCRIBED')
    const b = second.channel(topic, { config: { broadcast: { replication_ready: true } } })
    onSystem(b, (p) => ready(p) && heard.second.push(p))
    expect(await subscribed(b).first).toBe('SUBSCRIBED')
    expect(await heard.second.count(1)).toHaveLength(1)
    const c = third.channel(topic, { config: { broadcast: { replication_ready: true } } })
    onSystem(c, (p) => ready(p) && heard.third.push(p))
    expect(await subscribed(c).first).toBe('SUBSCRIBED')
    expect(await heard.third.count(1)).toEqual([
      { extension: 'system', status: 'ok', message: 'Replication connection established', channel: topic },
    ])
    await Promise.all([cleanup(first), cleanup(second), cleanup(third)])
  })
})
