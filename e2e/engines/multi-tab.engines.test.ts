// The multi-tab scenarios of e2e/multi-tab.spec.ts in three browser engines (step `engines`):
// the lab page (apps/demo/lab.html) in several tabs of one browser, the engine in a SharedWorker,
// against the demo's test build and the dev server (server.ts). Drivers: drivers.ts.
// `ENGINES=firefox,webkit` runs a subset. A step an engine's automation cannot take is a skipped
// test whose title says so (the README's browser support table lists them).
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest'
import { adminAt, type Stats, watch } from '../realtime.ts'
import { type Engine, type EngineName, launch, type Tab } from './drivers.ts'

const ALL: EngineName[] = ['chromium', 'firefox', 'webkit']
const selected = process.env.ENGINES ? (process.env.ENGINES.split(',') as EngineName[]) : ALL
for (const name of selected)
  if (!ALL.includes(name)) throw new Error(`ENGINES: unknown engine "${name}"; engines are ${ALL.join(', ')}`)

const demoUrl = inject('demoUrl')
const realtimePort = inject('realtimePort')
const stats = () => adminAt<Stats>(realtimePort, '/admin/stats')

let counter = 0
/** A topic name no other test uses. */
const topicName = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}`

const js = (value: unknown) => JSON.stringify(value)
const subscribe = (tab: Tab, topic: string, options: { self?: boolean; key?: string } = {}) =>
  tab.evaluate<string>(`window.lab.subscribe(${js(topic)}, ${js(options)})`)
const send = (tab: Tab, topic: string, event: string, payload: unknown) =>
  tab.evaluate<string>(`window.lab.send(${js(topic)}, ${js(event)}, ${js(payload)})`)
const track = (tab: Tab, topic: string, payload: unknown) =>
  tab.evaluate(`window.lab.track(${js(topic)}, ${js(payload)})`)
const broadcasts = (tab: Tab, topic: string) =>
  tab.evaluate<Array<{ event: string; payload: unknown }>>(
    `window.lab.events.filter((e) => e.kind === 'broadcast' && e.topic === ${js(topic)}).map((e) => ({ event: e.payload.event, payload: e.payload.payload }))`,
  )
const presenceKeys = (tab: Tab, topic: string) =>
  tab.evaluate<string[]>(`Object.keys(window.lab.presence(${js(topic)}) ?? {}).sort()`)
const resubscribed = (tab: Tab, topic: string) =>
  tab.evaluate<number>(
    `window.lab.events.filter((e) => e.topic === ${js(topic)} && e.kind === 'system' && e.payload.message === 'resubscribed').length`,
  )
const hostOf = (tab: Tab) =>
  tab.evaluate<{ host: string; inspected: string; instance: string }>(
    `window.lab.inspect().then((s) => ({ host: window.__realtime.host, inspected: s.host, instance: s.instance }))`,
  )

/** The end of the worker-kill test's title: what happens, or why the engine's automation cannot do it. */
const KILL: Record<EngineName, string> = {
  chromium: ', the tabs recover with resubscribed',
  firefox: ': not covered in Firefox, WebDriver BiDi has no command that ends a worker',
  webkit: ': not covered in WebKit, W3C WebDriver has no handle on workers',
}

describe.each(selected)('%s', (name) => {
  let engine: Engine
  const open: Tab[] = []

  /** Opens `n` lab tabs asking for `host` (the SharedWorker host unless told), each ready. */
  async function openTabs(n: number, host: 'shared-worker' | 'auto' = 'shared-worker'): Promise<Tab[]> {
    const tabs: Tab[] = []
    for (let i = 0; i < n; i++) {
      const tab = await engine.open(`${demoUrl}lab.html?host=${host}`)
      open.push(tab)
      await expect
        .poll(() => tab.evaluate<string>(`document.querySelector('#status').textContent`), { timeout: 15_000 })
        .toMatch(host === 'auto' ? /^ready / : /^ready \(host shared-worker\)$/)
      tabs.push(tab)
    }
    return tabs
  }

  async function closeTab(tab: Tab): Promise<void> {
    open.splice(open.indexOf(tab), 1)
    await tab.close()
  }

  beforeAll(async () => {
    engine = await launch(name)
    console.log(`engines: ${name} is ${engine.version}`)
  })
  afterAll(async () => {
    await engine?.close()
  })
  beforeEach(async () => {
    // every test starts with no socket left by the previous one (its tabs are closed, its worker gone)
    const deadline = Date.now() + 15_000
    while ((await stats()).sockets !== 0) {
      if (Date.now() > deadline) throw new Error('a socket is still open 15 s after the previous test ended')
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  })
  afterEach(async () => {
    const errors: string[] = []
    for (const tab of open.splice(0)) {
      errors.push(...(await tab.evaluate<string[]>('window.lab.errors').catch(() => [])))
    }
    await engine.reset()
    if (errors.length > 0) throw new Error(`unhandled rejections in the tabs: ${errors.join('; ')}`)
  })

  it('three tabs share one socket, on the shared-worker host, one server channel per topic', async () => {
    const tabs = await openTabs(3)
    const topic = topicName('three')
    for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    const hosts = await Promise.all(tabs.map(hostOf))
    for (const host of hosts) expect(host).toMatchObject({ host: 'shared-worker', inspected: 'shared-worker' })
    expect(new Set(hosts.map((h) => h.instance)).size, 'one worker instance for every tab').toBe(1)
    const s = await stats()
    expect({ sockets: s.sockets, channels: s.channels }).toEqual({ sockets: 1, channels: 1 })
  })

  it('the default host (auto) picks the shared worker: two tabs, one socket', async () => {
    const tabs = await openTabs(2, 'auto')
    const topic = topicName('auto')
    for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    for (const tab of tabs) expect(await hostOf(tab)).toMatchObject({ inspected: 'shared-worker' })
    expect((await stats()).sockets).toBe(1)
  })

  it('a broadcast from tab 1 reaches tabs 2 and 3, and not tab 1 without self', async () => {
    const [first, ...others] = (await openTabs(3)) as [Tab, Tab, Tab]
    const topic = topicName('bc')
    for (const tab of [first, ...others]) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    expect(await send(first, topic, 'hello', { n: 1 })).toBe('ok')
    for (const tab of others)
      await expect.poll(() => broadcasts(tab, topic)).toEqual([{ event: 'hello', payload: { n: 1 } }])
    expect(await broadcasts(first, topic)).toEqual([])
  })

  it('presence: every tab and an outside client see the browser entry; the tracking tab closed, the entry goes', async () => {
    const [a, b] = (await openTabs(2)) as [Tab, Tab]
    const topic = topicName('pres')
    const watcher = await watch(topic, realtimePort) // another client, outside this browser
    try {
      expect(await subscribe(a, topic, { key: 'user-a' })).toBe('SUBSCRIBED')
      // one user's tabs ask for one key (another key on a joined channel is refused: decision 62)
      expect(await subscribe(b, topic, { key: 'user-a' })).toBe('SUBSCRIBED')
      await track(a, topic, { from: 'a' })
      await expect.poll(() => watcher.metas('user-a'), { timeout: 10_000 }).toMatchObject([{ from: 'a' }])
      for (const tab of [a, b]) await expect.poll(() => presenceKeys(tab, topic)).toEqual(['user-a'])
      const closedAt = Date.now()
      // pagehide: the tab says goodbye, its presence goes; the leave is a presence call within 6 s of the
      // track, so it reaches the server up to 6 s later (decision 19's spacing): this test takes ~6 s
      await closeTab(a)
      await expect.poll(() => watcher.keys(), { timeout: 10_000 }).toEqual([])
      console.log(`engines: ${name}: presence gone ${Date.now() - closedAt} ms after the tab closed`)
      await expect.poll(() => presenceKeys(b, topic)).toEqual([])
      // the other tab still works, on the same socket
      expect(await send(b, topic, 'still-here', {})).toBe('ok')
      await expect.poll(() => watcher.broadcasts('still-here')).toEqual([{}])
      expect((await stats()).sockets, "this browser's socket and the watcher's").toBe(2)
    } finally {
      watcher.close()
    }
  })

  it('a reloaded tab works again on the same socket, and hears the others', async () => {
    const [a, b] = (await openTabs(2)) as [Tab, Tab]
    const topic = topicName('reload')
    for (const tab of [a, b]) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    await a.reload()
    await expect
      .poll(() => a.evaluate<string>(`document.querySelector('#status').textContent`), { timeout: 15_000 })
      .toBe('ready (host shared-worker)')
    expect(await subscribe(a, topic)).toBe('SUBSCRIBED')
    expect(await hostOf(a)).toMatchObject({ host: 'shared-worker', inspected: 'shared-worker' })
    expect(await send(b, topic, 'after-reload', { n: 2 })).toBe('ok')
    await expect.poll(() => broadcasts(a, topic)).toEqual([{ event: 'after-reload', payload: { n: 2 } }])
    expect((await stats()).sockets).toBe(1)
  })

  // where the engine's automation cannot kill a worker, the test says so in its title (and the README lists it)
  it.skipIf(name !== 'chromium')(`the SharedWorker killed${KILL[name]}`, async () => {
    const tabs = await openTabs(2)
    const topic = topicName('killed')
    for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    await engine.killSharedWorker!()
    for (const tab of tabs) await expect.poll(() => resubscribed(tab, topic), { timeout: 30_000 }).toBeGreaterThan(0)
    expect(await send(tabs[0]!, topic, 'after', {})).toBe('ok')
    await expect.poll(() => broadcasts(tabs[1]!, topic), { timeout: 10_000 }).toHaveLength(1)
  })
})
