// Many tabs of one browser, one socket: the lab page (apps/demo/lab.html) in several
// pages of one context, with the engine in a SharedWorker.
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { eventsOf, openTabs, subscribe, topicName } from './lab.ts'
import { admin, type Stats, watch } from './realtime.ts'
import { killSharedWorker } from './worker-cdp.ts'

const stats = () => admin<Stats>('/admin/stats')

test.beforeEach(async () => {
  // every test starts from a server with no socket left by the previous one
  await expect.poll(async () => (await stats()).sockets, { timeout: 10_000 }).toBe(0)
})

test('five tabs share one socket and one server channel per topic', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  const topic = topicName('five')
  for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  const s = await stats()
  expect({ sockets: s.sockets, channels: s.channels }).toEqual({ sockets: 1, channels: 1 })
})

test('a broadcast from tab 1 reaches tabs 2 to 5, and tab 1 only with self', async ({ context }) => {
  const tabs = await openTabs(context, 5)
  const [first, ...others] = tabs as [Page, ...Page[]]
  const topic = topicName('bc')
  expect(await subscribe(first, topic)).toBe('SUBSCRIBED')
  for (const tab of others) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  expect(await first.evaluate(([t]) => window.lab.send(t!, 'hello', { n: 1 }), [topic])).toBe('ok')
  for (const tab of others) {
    await expect
      .poll(() => eventsOf(tab, 'broadcast'))
      .toEqual([{ topic, kind: 'broadcast', payload: { type: 'broadcast', event: 'hello', payload: { n: 1 } } }])
  }
  expect(await eventsOf(first, 'broadcast')).toEqual([])

  const selfTopic = topicName('bc-self')
  expect(await subscribe(first, selfTopic, { self: true })).toBe('SUBSCRIBED')
  await first.evaluate(([t]) => window.lab.send(t!, 'mine', {}), [selfTopic])
  await expect.poll(async () => (await eventsOf(first, 'broadcast')).length).toBe(1)
})

test('a second tab subscribing to a joined topic sends no frame', async ({ context }) => {
  const [a, b] = (await openTabs(context, 2)) as [Page, Page]
  const topic = topicName('second')
  expect(await subscribe(a, topic)).toBe('SUBSCRIBED')
  const before = (await stats()).framesIn
  expect(await subscribe(b, topic)).toBe('SUBSCRIBED')
  expect((await stats()).framesIn).toBe(before)
})

test('presence is one entry for the browser, gone soon after its last tracking tab is killed', async ({ context }) => {
  const [a, b] = (await openTabs(context, 2)) as [Page, Page]
  const topic = topicName('pres')
  const watcher = await watch(topic) // another client, outside this browser
  try {
    for (const tab of [a, b]) expect(await subscribe(tab, topic, { key: 'user-1' })).toBe('SUBSCRIBED')
    await a.evaluate(([t]) => window.lab.track(t!, { from: 'a' }), [topic])
    await b.evaluate(([t]) => window.lab.track(t!, { from: 'b' }), [topic])
    // two tabs tracking: one entry for the browser, the last writer's payload (sent within the 6 s spacing)
    await expect.poll(() => watcher.metas('user-1'), { timeout: 10_000 }).toMatchObject([{ from: 'b' }])
    expect(watcher.keys()).toEqual(['user-1'])
    await a.close()
    // the last tab dies without pagehide: the worker learns it from the tab's Web Lock
    const cdp = await context.newCDPSession(b)
    const killedAt = Date.now()
    void cdp.send('Page.crash').catch(() => {}) // never answers: the page is gone
    await expect.poll(() => watcher.keys(), { timeout: 5000 }).toEqual([])
    test
      .info()
      .annotations.push({ type: 'presence gone after the kill (ms)', description: String(Date.now() - killedAt) })
  } finally {
    watcher.close()
  }
})

test('after a server restart every tab is resubscribed', async ({ context }) => {
  const tabs = await openTabs(context, 3)
  const topic = topicName('restart')
  for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  await admin('/admin/restart', { downMs: 200 })
  for (const tab of tabs) {
    await expect
      .poll(
        async () =>
          (await eventsOf(tab, 'system')).some((e) => (e.payload as { message?: string }).message === 'resubscribed'),
        { timeout: 15_000 },
      )
      .toBe(true)
  }
  await expect.poll(async () => (await stats()).channels, { timeout: 10_000 }).toBe(1)
})

test('reloading the only tab works again', async ({ context }) => {
  const [tab] = (await openTabs(context, 1)) as [Page]
  const topic = topicName('reload')
  expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  await tab.reload()
  await expect(tab.locator('#status')).toHaveText(`ready (host shared-worker)`)
  expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
})

test('a reloaded tab learns the state of the running engine at once: the socket, its channel and the presence', async ({
  context,
}) => {
  const [a, b] = (await openTabs(context, 2)) as [Page, Page]
  const topic = topicName('reload-state')
  for (const tab of [a, b]) expect(await subscribe(tab, topic, { key: 'user-1' })).toBe('SUBSCRIBED')
  await a.evaluate(([t]) => window.lab.track(t!, { from: 'a' }), [topic])
  await expect.poll(() => b.evaluate(([t]) => Object.keys(window.lab.presence(t!) ?? {}), [topic])).toEqual(['user-1'])

  await b.reload() // tab a keeps the worker, its socket and the channel
  await expect(b.locator('#status')).toHaveText('ready (host shared-worker)')
  const seen = await b.evaluate(
    async ([t]) => {
      const { client } = window.lab
      await client.setAuth() // no command: the first answer is the attach's
      const read = { connected: client.isConnected(), state: client.connectionState() }
      const heard: string[] = []
      client.onStatusChange((status) => heard.push(status.state))
      const status = await window.lab.subscribe(t!, { key: 'user-1' })
      // read in the SUBSCRIBED callback's task: the presence state came in the same delivery
      return { read, heard, status, presence: Object.keys(window.lab.presence(t!) ?? {}) }
    },
    [topic],
  )
  expect(seen).toEqual({
    read: { connected: true, state: 'open' },
    heard: ['connected'],
    status: 'SUBSCRIBED',
    presence: ['user-1'],
  })
  expect((await stats()).sockets).toBe(1)
})

test('when the SharedWorker is killed, the tabs recover with resubscribed', async ({ context, errors }) => {
  const tabs = await openTabs(context, 2)
  const topic = topicName('killed')
  for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  const cdp = await context.newCDPSession(tabs[0]!)
  await killSharedWorker(cdp, errors.releaseWorker)
  for (const tab of tabs) {
    await expect
      .poll(
        async () =>
          (await eventsOf(tab, 'system')).some((e) => (e.payload as { message?: string }).message === 'resubscribed'),
        { timeout: 30_000 },
      )
      .toBe(true)
  }
  // and the recovered worker works: a broadcast goes from one tab to the other
  await tabs[0]!.evaluate(([t]) => window.lab.send(t!, 'after', {}), [topic])
  await expect.poll(async () => (await eventsOf(tabs[1]!, 'broadcast')).length, { timeout: 10_000 }).toBe(1)
})

test('presence is gone soon after the only tracking tab closes normally', async ({ context }) => {
  const [tab] = (await openTabs(context, 1)) as [Page]
  const topic = topicName('pres-close')
  const watcher = await watch(topic)
  try {
    expect(await subscribe(tab, topic, { key: 'closer' })).toBe('SUBSCRIBED')
    await tab.evaluate(([t]) => window.lab.track(t!, { here: true }), [topic])
    await expect.poll(() => watcher.keys(), { timeout: 10_000 }).toEqual(['closer'])
    const closedAt = Date.now()
    await tab.close() // pagehide: the tab says goodbye
    await expect.poll(() => watcher.keys(), { timeout: 5000 }).toEqual([])
    test.info().annotations.push({ type: 'presence gone after close (ms)', description: String(Date.now() - closedAt) })
  } finally {
    watcher.close()
  }
})
