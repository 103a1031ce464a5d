// Durable sends and who they belong to, in real Chromium against the dev server, for every
// host (issue #13): an item stored while user X is signed in is not sent after a switch to
// user Y (it stays stored) and goes out once X is back; client.clearDurable() deletes the
// origin's items before they go out; inspect() says the storage is IndexedDB. The receiver is
// a bare WebSocket (another browser), so what it gets came from the server.

import { describe, expect, test } from 'vitest'
import { commands } from 'vitest/browser'
import { durableScene, faults, HOSTS, message, stored, subscribed, uniqueTopic } from './test-support/durable.ts'

const { client, receiver } = durableScene('identity')

describe.each(HOSTS)('host %s', (host) => {
  test('stored while X is signed in: not sent under Y, kept, and sent once X is back', async () => {
    const topic = uniqueTopic('durable-identity')
    const got = await receiver(topic)
    const x = await commands.realtimeToken({ sub: 'user-x' })
    const y = await commands.realtimeToken({ sub: 'user-y' })
    const c = client(host, 'sender')
    await c.setAuth(x)
    await faults({ joins: { delayMs: 1000 } })
    const channel = c.channel(topic, { config: { broadcast: { ack: true } } })
    const joined = subscribed(channel)
    const sent = channel.send(message(1), { durable: true })
    await expect.poll(() => stored(topic)).toMatchObject([{ identity: 'authenticated:user-x' }])
    await c.setAuth(y) // X signs out, Y signs in, before the join
    expect(await joined).toBe('SUBSCRIBED')
    expect(await channel.send(message(2))).toBe('ok')
    expect(await got.count(1)).toEqual([message(2)]) // X's item did not go out before Y's message
    expect(await stored(topic)).toMatchObject([{ payload: message(1), identity: 'authenticated:user-x' }])
    await c.setAuth(x) // X is back: its item goes out under its token
    expect(await got.count(2)).toEqual([message(2), message(1)])
    await expect.poll(() => stored(topic)).toEqual([])
    expect(['ok', 'timed out']).toContain(await sent)
  })

  test('clearDurable() deletes the stored items before they go out, and says how many', async () => {
    const topic = uniqueTopic('durable-clear')
    const got = await receiver(topic)
    const c = client(host, 'clear')
    await faults({ joins: { delayMs: 1000 } })
    const channel = c.channel(topic, { config: { broadcast: { ack: false } } })
    const joined = subscribed(channel)
    expect(await channel.send(message(1), { durable: true })).toBe('ok')
    expect(await channel.send(message(2), { durable: true })).toBe('ok')
    expect(await stored(topic)).toHaveLength(2)
    expect(await c.clearDurable()).toBeGreaterThanOrEqual(2) // the origin's: other leftovers count too
    expect(await stored(topic)).toEqual([])
    expect(await joined).toBe('SUBSCRIBED')
    expect(await channel.send(message(3))).toBe('ok')
    expect(await got.count(1)).toEqual([message(3)])
    expect(await c.clearDurable()).toBe(0)
    expect((await c.inspect()).engine).toMatchObject({ durable: { storage: 'indexeddb' } })
  })
})
