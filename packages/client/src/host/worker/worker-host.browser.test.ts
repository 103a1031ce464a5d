// The worker side at its Comlink boundary, in one realm (no worker): a WorkerHost exposed on
// MessageChannel ports, "tabs" talking to it as a worker link would, against the dev server.

import * as Comlink from 'comlink'
import { type EngineEvent, TestClock, type WebSocketLikeConstructor } from '@shared-realtime/engine'
import { afterEach, describe, expect, test } from 'vitest'
import { commands } from 'vitest/browser'
import { LIVENESS, WorkerHost } from './worker-host.ts'
import {
  type EventsMessage,
  type PingMessage,
  type Reply,
  TAB_PROTOCOL_VERSION,
  type TabApi,
  WORKER_NAME,
} from '../protocol.ts'
import { broadcastSpec, broadcastTo, EventLog, subscribed, testConfig } from '../test-support/realtime.ts'

const transport = (globalThis as unknown as { WebSocket: WebSocketLikeConstructor }).WebSocket
const host = new WorkerHost({ kind: 'shared-worker', transport, locks: navigator.locks, name: WORKER_NAME })
const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

// oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
const ack = (port: MessagePort, n: number) => port.postMessage({ ack: n })

function value<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`error reply: ${reply.error.message}`)
  return reply.value
}

/** A tab: its command port, its events port (acks after logging unless `ack: false`) and its lock. */
async function tab(name: string, options: { ack?: boolean; lock?: boolean } = {}) {
  const commandsChannel = new MessageChannel()
  host.expose(commandsChannel.port1)
  const api = Comlink.wrap(commandsChannel.port2) as unknown as TabApi
  const events = new MessageChannel()
  const log = new EventLog()
  const instances = new Set<string>()
  events.port1.addEventListener('message', ({ data }: MessageEvent<EventsMessage | PingMessage>) => {
    // a tab without a lock is pinged (LIVENESS): a live one answers
    if (!('events' in data)) return events.port1.postMessage({ pong: true })
    instances.add(data.instance)
    log.push(data.events)
    if (options.ack !== false) ack(events.port1, data.events.length)
  })
  events.port1.start()
  const lockName = options.lock ? `test-tab-${name}-${crypto.randomUUID()}` : ''
  let releaseLock = (): void => {}
  if (lockName) {
    await new Promise<void>(
      (held) =>
        void navigator.locks.request(lockName, () => new Promise<void>((release) => ((releaseLock = release), held()))),
    )
  }
  // a tab with a lock leaves as a dead tab does (the worker then closes its port: no detach answer)
  cleanups.push(lockName ? () => Promise.resolve(releaseLock()) : () => api.detach())
  const attach = (config = testConfig('api')) =>
    api.attach(config, Comlink.transfer(events.port2, [events.port2]), lockName, TAB_PROTOCOL_VERSION)
  return { api, log, instances, attach, ackPort: events.port1, releaseLock }
}

const transferred = () => {
  const { port2 } = new MessageChannel()
  return Comlink.transfer(port2, [port2])
}

/** How many tabs the worker has attached, as a port that never attached sees it. */
const tabCount = () =>
  host
    .api()
    .inspect()
    .then((r) => value(r).tabCount)

describe('attach', () => {
  test('answers with the worker instance, and events arrive on the port as { instance, events }', async () => {
    const a = await tab('attach-a')
    const info = value(await a.attach())
    expect(info).toEqual({
      instance: host.instance,
      protocol: TAB_PROTOCOL_VERSION,
      host: 'shared-worker',
      tabId: expect.stringMatching(/^tab-\d+-/),
    })
    expect(value(await a.api.subscribe('s1', 'realtime:api-attach', broadcastSpec))).toBeNull()
    await a.log.waitFor(subscribed('s1'), 'SUBSCRIBED')
    expect([...a.instances]).toEqual([host.instance])
  })

  test('refuses another protocol version with protocol-mismatch', async () => {
    const a = await tab('attach-v')
    const reply = await a.api.attach(testConfig('api'), transferred(), '', 99)
    expect(reply).toMatchObject({
      instance: host.instance,
      ok: false,
      error: { name: 'RealtimeError', kind: 'protocol-mismatch' },
    })
  })

  test('a command before attach gets not-attached', async () => {
    const a = await tab('attach-none')
    expect(await a.api.connect()).toMatchObject({ ok: false, error: { kind: 'not-attached' } })
  })
})

describe('malformed calls', () => {
  test('get a bad-request reply naming the argument, and the other tab on the topic is unaffected', async () => {
    const config = testConfig('api-bad')
    const [a, b] = [await tab('bad-a'), await tab('bad-b')]
    value(await a.attach(config))
    value(await b.attach(config))
    value(await a.api.subscribe('sa', 'realtime:api-bad', broadcastSpec))
    value(await b.api.subscribe('sb', 'realtime:api-bad', broadcastSpec))
    await b.log.waitFor(subscribed('sb'), 'SUBSCRIBED at b')
    const bad = { name: 'RealtimeError', kind: 'bad-request' }
    const cases: Array<[Promise<Reply<unknown>>, string]> = [
      [
        a.api.subscribe('sx', 'realtime:api-bad', {
          config: { broadcast: { self: 'yes' } },
          postgres: [],
          presence: false,
        } as never),
        'spec: channel "realtime:api-bad": config.broadcast.self',
      ],
      [
        a.api.subscribe('sy', 'realtime:api-bad', {
          config: {},
          postgres: [{ event: 'UPSERT', schema: 'public' }],
          presence: false,
        } as never),
        'spec.postgres[0].event',
      ],
      [a.api.subscribe('', 'realtime:api-bad', broadcastSpec), 'subId must be'],
      [a.api.send('sa', { type: 'broadcast' }, 1000), 'payload.event must be'],
      [a.api.send('sa', { type: 'broadcast', event: 'e' }, -1), 'timeoutMs must be'],
      [
        a.api.send('sa', { type: 'broadcast', event: 'e' }, 1000, { durable: 'yes' } as never),
        'options.durable must be',
      ],
      [a.api.send('sa', { type: 'broadcast', event: 'e' }, 1000, { durable: true, ttlMs: 0 }), 'options.ttlMs must be'],
      [
        a.api.send('sa', { type: 'broadcast', event: 'e' }, 1000, { durable: true, token: 'x' } as never),
        'options.token must be',
      ],
      [a.api.track('sa', [] as never), 'payload must be a plain object'],
      [a.api.setAuth(42 as never), 'token must be'],
      [
        a.api.attach({ ...config, vsn: '3.0.0' } as never, transferred(), '', TAB_PROTOCOL_VERSION),
        'config.vsn must be',
      ],
    ]
    for (const [call, message] of cases) {
      const reply = await call
      expect(reply).toMatchObject({ instance: host.instance, ok: false, error: bad })
      expect(!reply.ok && reply.error.message).toContain(message)
    }
    // a raw message Comlink would have let through (GET of a property) is refused at the port
    const raw = new MessageChannel()
    host.expose(raw.port1)
    const refused = new Promise<unknown>((resolve) => raw.port2.addEventListener('message', (e) => resolve(e.data)))
    raw.port2.start()
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
    raw.port2.postMessage({ id: 'x1', type: 'GET', path: ['attach'] })
    expect(await refused).toMatchObject({
      id: 'x1',
      type: 'HANDLER',
      name: 'throw',
      value: { value: { kind: 'bad-request', instance: host.instance } },
    })
    // both tabs still work: a's broadcast reaches b
    expect(value(await a.api.send('sa', { type: 'broadcast', event: 'after', payload: { ok: true } }, 5000))).toBe('ok')
    const got = await b.log.waitFor(broadcastTo('sb'), 'the broadcast at b')
    expect(got).toMatchObject({ payload: { event: 'after', payload: { ok: true } } })
  })
})

describe('acks', () => {
  test('events stay queued for the tab until it acknowledges them', async () => {
    const a = await tab('ack-a', { ack: false })
    const { tabId } = value(await a.attach())
    value(await a.api.subscribe('s', 'realtime:api-ack', broadcastSpec))
    await a.log.waitFor(subscribed('s'), 'SUBSCRIBED')
    const depth = async () =>
      (value(await a.api.inspect()).engine as { sessions: Array<{ id?: string; queueDepth: number }> }).sessions.find(
        (s) => s.id === tabId,
      )?.queueDepth
    expect(await depth()).toBe(a.log.events.length)
    ack(a.ackPort, a.log.events.length)
    await expect.poll(depth).toBe(0)
  })
})

describe('liveness', () => {
  test('a tab whose lock is released (the tab died) is detached; goodbye detaches too', async () => {
    const [a, b] = [await tab('live-a', { lock: true }), await tab('live-b')]
    const before = await tabCount()
    value(await a.attach())
    value(await b.attach())
    expect(await tabCount()).toBe(before + 2)
    a.releaseLock()
    await expect.poll(tabCount).toBe(before + 1)
    value(await b.api.goodbye())
    expect(await tabCount()).toBe(before)
  })
})

describe('liveness without Web Locks (an insecure origin, issue #14): pings on the events port', () => {
  test('a tab that stops answering is detached 15 s after its last answer; one that answers stays; a watched tab is never pinged', async () => {
    const clock = new TestClock()
    const pinged = new WorkerHost({ kind: 'shared-worker', transport, locks: navigator.locks, clock })
    /** A tab on `pinged`: `answering` says whether it answers pings now; `lock`: a Web Lock the worker watches. */
    const pingedTab = async (name: string, lock = false) => {
      const commandPorts = new MessageChannel()
      pinged.expose(commandPorts.port1)
      const api = Comlink.wrap(commandPorts.port2) as unknown as TabApi
      const events = new MessageChannel()
      const state = { pings: 0, answering: true }
      events.port1.addEventListener('message', ({ data }: MessageEvent<EventsMessage | PingMessage>) => {
        if (!('ping' in data)) return
        expect(data.instance).toBe(pinged.instance)
        state.pings++
        if (state.answering) events.port1.postMessage({ pong: true })
      })
      events.port1.start()
      let release = (): void => {}
      const lockName = lock ? `test-pinged-${name}-${crypto.randomUUID()}` : ''
      if (lock) {
        await new Promise<void>(
          (held) => void navigator.locks.request(lockName, () => new Promise<void>((r) => ((release = r), held()))),
        )
      }
      value(
        await api.attach(
          testConfig('pinged'),
          Comlink.transfer(events.port2, [events.port2]),
          lockName,
          TAB_PROTOCOL_VERSION,
        ),
      )
      cleanups.push(async () => (lock ? release() : await api.detach()))
      return { api, state }
    }
    const attached = async () => value(await pinged.api().inspect()).tabCount
    const [alive, silent, dying, watched] = [
      await pingedTab('alive'),
      await pingedTab('silent'),
      await pingedTab('dying'),
      await pingedTab('watched', true),
    ]
    silent.state.answering = false
    expect(value(await alive.api.inspect()).tab?.watched).toBe(false)
    expect(value(await watched.api.inspect()).tab?.watched).toBe(true)
    /** One ping round: time moves on by LIVENESS.pingMs; the answering tabs' pongs are in before the next. */
    const round = async () => {
      const before = alive.state.pings
      clock.advance(LIVENESS.pingMs)
      await expect.poll(() => alive.state.pings).toBe(before + 1)
      // one more round trip to the worker: the pong (posted on receipt of the ping) has had its turn
      await attached()
    }
    await round() // 5 s
    await round() // 10 s
    expect(await attached()).toBe(4)
    await round() // 15 s: `silent` never answered
    expect(await attached()).toBe(3)
    expect(await silent.api.connect()).toMatchObject({ ok: false, error: { kind: 'not-attached' } })
    dying.state.answering = false // its last answer: the 15 s round's pong
    await round() // 20 s
    await round() // 25 s
    expect(await attached()).toBe(3)
    await round() // 30 s: silent for 15 s
    expect(await attached()).toBe(2)
    for (let i = 0; i < 4; i++) await round() // 50 s
    expect(await attached()).toBe(2)
    const pings = [alive, silent, dying, watched].map((t) => t.state.pings)
    expect(pings).toEqual([10, 2, 5, 0])
  })
})

describe('tab identity (DESIGN.md rule 13): the worker names each tab and binds it to its port', () => {
  test("a port that claims another tab's id can neither evict it nor act for it", async () => {
    const config = testConfig('api-identity')
    const [a, b] = [await tab('id-a'), await tab('id-b')]
    const { tabId } = value(await a.attach(config))
    value(await a.api.subscribe('s', 'realtime:api-identity', broadcastSpec))
    await a.log.waitFor(subscribed('s'), 'SUBSCRIBED at a')
    // an attach naming a's id (the shape of protocol 3) is refused: the id is no argument any more
    const { port2 } = new MessageChannel()
    const claim = (b.api.attach as unknown as (...args: unknown[]) => Promise<Reply<unknown>>)(
      tabId,
      config,
      Comlink.transfer(port2, [port2]),
      '',
      TAB_PROTOCOL_VERSION,
    )
    expect(await claim).toMatchObject({ ok: false, error: { kind: 'protocol-mismatch' } })
    // attached, b gets an id of its own; its commands act for b only, whatever subId or id they name
    const own = value(await b.attach(config)).tabId
    expect(own).not.toBe(tabId)
    value(await b.api.unsubscribe('s'))
    value(await b.api.untrack('s'))
    expect(await b.api.send('s', { type: 'broadcast', event: 'e', payload: {} }, 1000)).toMatchObject({
      ok: false,
      error: { kind: 'command-failed' },
    })
    value(await b.api.detach())
    // a is still attached, still subscribed, and still sends
    const mine = value(await a.api.inspect())
    expect(mine.tab).toEqual({ id: tabId, subscriptions: 1, watched: false, holdMs: 0 })
    expect(value(await a.api.send('s', { type: 'broadcast', event: 'still', payload: {} }, 5000))).toBe('ok')
    expect(a.log.events.filter((e) => e.type === 'status' && e.status !== 'SUBSCRIBED')).toEqual([])
  })

  test("inspect() shows this tab's own session and only counts of the others: no other tab's id", async () => {
    const config = testConfig('api-inspect')
    const [a, b] = [await tab('ins-a'), await tab('ins-b')]
    const idA = value(await a.attach(config)).tabId
    const idB = value(await b.attach(config)).tabId
    value(await a.api.subscribe('s', 'realtime:api-inspect', broadcastSpec))
    value(await b.api.subscribe('s', 'realtime:api-inspect', broadcastSpec))
    await b.log.waitFor(subscribed('s'), 'SUBSCRIBED at b')
    const seen = value(await b.api.inspect())
    const engine = seen.engine as {
      sessions: Array<{ id?: string; subscriptions: number }>
      channels: Array<{ topic: string; sessions: Array<string | null> }>
    }
    expect({
      tab: seen.tab,
      tabCount: seen.tabCount >= 2,
      sessions: engine.sessions.filter((s) => s.subscriptions > 0),
      channel: engine.channels.find((c) => c.topic === 'realtime:api-inspect')?.sessions,
      leaksA: JSON.stringify(seen).includes(idA),
      // the deprecated list keeps one entry per tab, only this tab's with an id
      tabs: [seen.tabs.length === seen.tabCount, seen.tabs.filter((t) => t.id !== null)],
    }).toEqual({
      tab: { id: idB, subscriptions: 1, watched: false, holdMs: 0 },
      tabCount: true,
      sessions: [
        { subscriptions: 1, queueDepth: 0, dropped: 0 },
        { id: idB, subscriptions: 1, queueDepth: 0, dropped: 0 },
      ],
      channel: [null, idB], // in subscription order: a's, then b's
      leaksA: false,
      tabs: [true, [{ id: idB, subscriptions: 1, watched: false }]],
    })
  })
})

describe('setTokenProvider', () => {
  test('the worker asks the tab through the proxy before it connects', async () => {
    const a = await tab('token-a')
    value(await a.attach())
    let answer!: () => void
    const called = new Promise<void>((resolve) => (answer = resolve))
    const provider = () => (answer(), Promise.resolve(null))
    value(await a.api.setTokenProvider(Comlink.proxy(provider)))
    value(await a.api.subscribe('s', 'realtime:api-token', broadcastSpec))
    await called
    await a.log.waitFor(subscribed('s'), 'SUBSCRIBED')
    expect(a.log.events.some((e: EngineEvent) => e.type === 'status' && e.status === 'CHANNEL_ERROR')).toBe(false)
  })
})

describe('engines by identity (decision 61)', () => {
  test("tabs of two users get two engines; a tab cannot hand its engine another user's token; an engine no tab uses goes after the grace", async () => {
    const clock = new TestClock()
    const own = new WorkerHost({ kind: 'shared-worker', transport, clock })
    const config = { ...testConfig('identity'), disconnectOnEmptyChannelsAfterMs: 30_000 }
    const port = () => new MessageChannel().port2
    const [a, b, c] = [own.api(), own.api(), own.api()]
    value(await a.attach({ ...config, identity: 'authenticated:u1' }, port(), '', TAB_PROTOCOL_VERSION))
    value(await b.attach({ ...config, identity: 'authenticated:u2' }, port(), '', TAB_PROTOCOL_VERSION))
    value(await c.attach({ ...config, identity: 'authenticated:u1' }, port(), '', TAB_PROTOCOL_VERSION))
    const engineCount = async () => value(await a.inspect()).engineCount
    expect(await engineCount()).toBe(2)
    expect((value(await a.inspect()).engine as { identity: string }).identity).toBe('authenticated:u1')
    value(await a.setAuth(await commands.realtimeToken({ sub: 'u1' })))
    expect(await a.setAuth(await commands.realtimeToken({ sub: 'u2' }))).toMatchObject({
      ok: false,
      error: { kind: 'identity-mismatch', message: expect.stringMatching(/"authenticated:u2" cannot be used/) },
    })
    value(await b.detach())
    clock.advance(29_999)
    expect(await engineCount()).toBe(2) // a reload within the grace finds its engine
    clock.advance(1)
    expect(await engineCount()).toBe(1)
    value(await a.detach())
    value(await c.detach())
    clock.advance(30_000)
    expect(value(await own.api().inspect()).engineCount).toBe(0)
  })
})
