// Durable sends in real Chromium against the dev server: stored in IndexedDB before the
// channel has joined, delivered once after the join, for every host; and, with the in-page
// host, still delivered when the engine that stored it is gone before its join ("every tab
// closed"), by the next client that subscribes to the topic. The receiver is a plain
// WebSocket (another browser: no engine, no storage), so what it gets came from the server.
// The dev server's join delay makes "not joined yet" certain; nothing here sleeps.

import { describe, expect, test } from 'vitest'
import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import { PageLink } from './host/tab/page.ts'
import { EventLog, subscribed as subscribedEvent, testConfig } from './host/test-support/realtime.ts'
import { collector } from '@shared-realtime/test-support/collector'
import { ownHosts } from './test-support/hosts.ts'
import { durableScene, faults, HOSTS, message, stored, subscribed, uniqueTopic } from './test-support/durable.ts'

const { client, receiver } = durableScene('durable')

describe.each(HOSTS)('host %s', (host) => {
  test('a durable send on a channel that has not joined yet is stored, then delivered once after the join', async () => {
    const topic = uniqueTopic('durable-join')
    const got = await receiver(topic)
    await faults({ joins: { delayMs: 1000 } }) // the sender's join waits a second (reset after the test)
    const sender = client(host, 'sender')
    const channel = sender.channel(topic, { config: { broadcast: { ack: false } } })
    const joined = subscribed(channel)
    expect(await channel.send(message(1), { durable: true, ttlMs: 60_000 })).toBe('ok') // without ack: 'ok' once stored
    expect(channel.state).toBe('joining')
    expect(await stored(topic)).toMatchObject([{ payload: message(1), expiresAt: expect.any(Number) }])
    expect(await joined).toBe('SUBSCRIBED')
    expect(await got.count(1)).toEqual([message(1)])
    // exactly once: a later send arrives right after it, with nothing in between
    expect(await channel.send(message(2))).toBe('ok')
    expect(await got.count(2)).toEqual([message(1), message(2)])
    // deleted when the server acknowledged it: the deletion is an IndexedDB transaction the worker starts as the
    // answer arrives, so the receiver may see both messages first; the engine counts the item in flight until its
    // deletion has committed, then the store must be empty
    await expect.poll(() => inFlight(sender)).toBe(0)
    expect(await stored(topic)).toEqual([])
    expect((await sender.inspect()).engine).toMatchObject({ clientId: expect.stringMatching(/^[0-9a-f-]{36}$/) })
  })

  test('with ack, a durable send made before the join resolves ok once the server acknowledged it', async () => {
    const topic = uniqueTopic('durable-ack')
    const got = await receiver(topic)
    await faults({ joins: { delayMs: 1000 } })
    const sender = client(host, 'sender')
    const channel = sender.channel(topic, { config: { broadcast: { ack: true } } })
    const joined = subscribed(channel)
    const sent = channel.send(message(1), { durable: true })
    expect(channel.state).toBe('joining')
    expect(await joined).toBe('SUBSCRIBED')
    expect(await sent).toBe('ok')
    expect(await got.count(1)).toEqual([message(1)])
    await expect.poll(() => inFlight(sender)).toBe(0) // its deletion has committed (see the test above)
    expect(await stored(topic)).toEqual([])
  })

  test('a durable send on a channel never subscribed is refused (REST cannot keep it)', async () => {
    const channel = client(host, 'rest').channel(uniqueTopic('durable-rest'))
    await expect(channel.send(message(1), { durable: true })).rejects.toThrow('needs a subscribed channel')
  })
})

// the page host's own case: not run again for the leader tab (project browser-leader)
describe.runIf(ownHosts())('host page, every tab closed', () => {
  test('a send stored by an engine torn down before its join is delivered once by the next client to subscribe', async () => {
    const topic = uniqueTopic('durable-closed')
    const got = await receiver(topic)
    await faults({ joins: { delayMs: 5000 } }) // this engine never gets to join
    const first = new PageLink(WebSocket as unknown as WebSocketLikeConstructor)
    const log = new EventLog()
    await first.attach(testConfig('durable-first'), log.push)
    await first.subscribe('s1', `realtime:${topic}`, {
      config: { broadcast: { ack: false } },
      postgres: [],
      presence: false,
    })
    expect(await first.send('s1', message(1), 10_000, { durable: true, id: crypto.randomUUID() })).toBe('ok') // stored
    expect(log.events.some(subscribedEvent('s1'))).toBe(false)
    expect((await stored(topic)).map((entry) => entry.payload)).toEqual([message(1)])
    await first.detach() // its only client left: the engine is disposed, its socket closed
    expect(await first.inspect()).toMatchObject({ engine: undefined })
    await faults({ joins: 'normal' })

    const next = client('page', 'next')
    const echoed = collector<unknown>()
    const channel = next
      .channel(topic, { config: { broadcast: { ack: true } } })
      .on('broadcast', { event: 'msg' }, (p) => echoed.push(p))
    expect(await subscribed(channel)).toBe('SUBSCRIBED')
    expect(await got.count(1)).toEqual([message(1)])
    expect(await echoed.count(1)).toEqual([message(1)]) // its sender is gone: every local subscription hears it
    expect(await channel.send(message(2))).toBe('ok')
    expect(await got.count(2)).toEqual([message(1), message(2)])
    expect(await stored(topic)).toEqual([])
  })
})

/** Durable items the sender's engine has pushed and not yet deleted or released. */
async function inFlight(sender: { inspect(): Promise<{ engine: unknown }> }): Promise<number> {
  return ((await sender.inspect()).engine as { durable: { inFlight: number } }).durable.inFlight
}
