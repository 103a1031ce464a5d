// A tab that attaches to a running engine (a reload, a new tab) learns its current state at once (issue #14): the
// connection's (onStatusChange / statusChanges start with it; isConnected() and connectionState() are right from
// the first answer), a channel's on a topic the browser has joined (SUBSCRIBED without a join) and that channel's
// presence state. Several clients of one page stand for the tabs of a browser: with the same params they share one
// engine, in the SharedWorker (each client on its own port, as a tab) or in the page. The dedicated-worker host has
// no engine shared between clients, so nothing runs there for a client to attach to.

import { afterEach, describe, expect, inject, test } from 'vitest'
import { type ConnectionStatus, RealtimeClient, type RealtimeChannel } from './index.ts'
import { hostsUnderTest } from './test-support/hosts.ts'

const HOSTS = hostsUnderTest(['shared-worker', 'page'])

function subscribed(channel: RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => resolve(status)))
}

let topicCounter = 0
const uniqueTopic = (name: string) => `${name}-${Date.now().toString(36)}-${topicCounter++}`

describe.each(HOSTS)('host %s', (host) => {
  const { url, anon } = inject('realtime')
  const clients: RealtimeClient[] = []
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.removeAllChannels().catch(() => {})
  })
  let testId = 0
  afterEach(() => void testId++)
  /** Clients with the same `browser` share one engine (one socket), as tabs of one browser do. */
  const client = (browser = 'one') => {
    const c = new RealtimeClient(url, { params: { apikey: anon, test: `attach-${host}-${testId}-${browser}` }, host })
    clients.push(c)
    return c
  }

  test('a client attaching to a connected engine reads connected from its first answer; status listeners start with it', async () => {
    const first = client()
    expect(await subscribed(first.channel(uniqueTopic('up')))).toBe('SUBSCRIBED')
    expect(first.isConnected()).toBe(true)

    const late = client() // a tab reloaded while another keeps the socket
    // no command crosses to the engine here: the answer is the attach's own
    await late.setAuth()
    expect([late.isConnected(), late.connectionState()]).toEqual([true, 'open'])
    const heard: ConnectionStatus[] = []
    late.onStatusChange((status) => heard.push(status))
    expect(heard).toEqual([{ type: 'connection', state: 'connected' }]) // during the call, not at the next change
    const changes = late.statusChanges[Symbol.asyncIterator]()
    expect(await changes.next()).toEqual({ done: false, value: { type: 'connection', state: 'connected' } })
    await changes.return?.()

    // the next change reaches the listener once: the current state is not told twice
    await late.disconnect()
    expect(heard.map((s) => s.state)).toEqual(['connected', 'disconnected'])
  })

  test('a listener registered before the state is known hears the first one once, not a made-up disconnected', async () => {
    const first = client()
    expect(await subscribed(first.channel(uniqueTopic('early')))).toBe('SUBSCRIBED')
    const late = client()
    const heard: string[] = []
    late.onStatusChange((status) => heard.push(status.state)) // the attach has not even started
    expect([heard, late.isConnected()]).toEqual([[], false])
    await late.setAuth()
    expect([heard, late.isConnected()]).toEqual([['connected'], true])
  })

  test('a channel joining a topic this browser has joined: SUBSCRIBED, with the presence state filled, in one delivery', async () => {
    const topic = uniqueTopic('joined')
    const presence = { config: { presence: { key: 'here' } } }
    // another browser is present on the topic
    const other = client('other')
    const there = other
      .channel(topic, { config: { presence: { key: 'there' } } })
      .on('presence', { event: 'sync' }, () => {})
    expect(await subscribed(there)).toBe('SUBSCRIBED')
    await there.track({ name: 'Grace' })
    // this browser has joined it, and seen the other one
    const first = client()
    const joined = first.channel(topic, presence).on('presence', { event: 'sync' }, () => {})
    expect(await subscribed(joined)).toBe('SUBSCRIBED')
    await expect.poll(() => Object.keys(joined.presenceState())).toContain('there')

    const late = client() // a tab reloaded while the first keeps the channel
    const channel = late.channel(topic, presence)
    const synced: string[][] = []
    channel.on('presence', { event: 'sync' }, () => synced.push(Object.keys(channel.presenceState()).toSorted()))
    expect(await subscribed(channel)).toBe('SUBSCRIBED')
    // no polling: the engine tells the joined channel's presence right after SUBSCRIBED, in the same delivery
    expect(channel.presenceState()).toEqual(joined.presenceState())
    expect(Object.keys(channel.presenceState())).toContain('there')
    expect(synced.at(-1)).toEqual(Object.keys(joined.presenceState()).toSorted())
    expect(channel.state).toBe('joined')
    // its status listeners start with SUBSCRIBED too
    const heard: string[] = []
    channel.onStatusChange((status) => heard.push(status))
    expect(heard).toEqual(['SUBSCRIBED'])
  })
})
