// Issue #14: an insecure origin (http:// under a name that is not localhost: a LAN address, an
// intranet name) has no Web Locks and no crypto.randomUUID, but SharedWorker works there. The
// browser maps `devbox.test` to 127.0.0.1 and opens the demo's lab page (and the demo) on it: the
// tabs still share one SharedWorker and one socket, and the worker tells a dead tab by its unanswered pings
// (worker-host.ts LIVENESS: detached 10–20 s after it died) instead of its Web Lock.
import type { Page } from '@playwright/test'
import { demoPort } from '../playwright.config.ts'
import { chromiumLaunchOptions } from '../scripts/chromium.mjs'
import { message, moreTabs, say, signIn } from './demo.ts'
import { expect, test } from './fixtures.ts'
import { eventsOf, openTabs, subscribe, topicName } from './lab.ts'
import { admin, type Stats } from './realtime.ts'

const stats = () => admin<Stats>('/admin/stats')

test.use({
  baseURL: `http://devbox.test:${demoPort}`,
  launchOptions: chromiumLaunchOptions({ loopbackNames: ['devbox.test'] }),
})

interface Snapshot {
  host: string
  fallback?: unknown
  tab: { watched: boolean } | null
  tabCount: number
}
const inspect = async (page: Page) => (await page.evaluate(() => window.lab.inspect())) as unknown as Snapshot

test.beforeEach(async () => {
  await expect.poll(async () => (await stats()).sockets, { timeout: 10_000 }).toBe(0)
})

test('on http://devbox.test (no secure context) three tabs share one SharedWorker and one socket', async ({
  context,
}) => {
  const tabs = await openTabs(context, 3, { host: 'auto' })
  const [first, ...others] = tabs as [Page, ...Page[]]
  // the page is what a LAN address gives: no secure context, no Web Locks, no randomUUID; SharedWorker there
  expect(
    await first.evaluate(() => ({
      secure: window.isSecureContext,
      locks: 'locks' in navigator,
      randomUUID: typeof crypto.randomUUID,
      sharedWorker: typeof SharedWorker,
    })),
  ).toEqual({ secure: false, locks: false, randomUUID: 'undefined', sharedWorker: 'function' })
  const topic = topicName('insecure')
  for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  for (const tab of tabs) {
    expect(await tab.evaluate(() => window.__realtime.host)).toBe('shared-worker')
    const snapshot = await inspect(tab)
    expect([snapshot.host, snapshot.fallback, snapshot.tab?.watched, snapshot.tabCount]).toEqual([
      'shared-worker',
      undefined,
      false, // no lock to watch: the worker pings the tab
      3,
    ])
  }
  expect((await stats()).sockets).toBe(1)
  expect(await first.evaluate(([t]) => window.lab.send(t!, 'hello', { n: 1 }), [topic])).toBe('ok')
  for (const tab of others) await expect.poll(async () => (await eventsOf(tab, 'broadcast')).length).toBe(1)
})

test('on http://devbox.test a killed tab is detached by its unanswered pings; a live one stays', async ({
  context,
}) => {
  test.setTimeout(60_000)
  // the first tab starts the worker (its process may host it): the second one is killed
  const [live, doomed] = (await openTabs(context, 2, { host: 'auto' })) as [Page, Page]
  const topic = topicName('insecure-killed')
  for (const tab of [live, doomed]) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  expect((await inspect(live)).tabCount).toBe(2)
  const cdp = await context.newCDPSession(doomed)
  const killedAt = Date.now()
  void cdp.send('Page.crash').catch(() => {}) // never answers: the page is gone, without pagehide
  // LIVENESS: 15 s of silence, checked every 5 s (plus a margin for this machine)
  await expect.poll(async () => (await inspect(live)).tabCount, { timeout: 40_000, intervals: [1000] }).toBe(1)
  const detachedAfter = Date.now() - killedAt
  test.info().annotations.push({ type: 'dead tab detached after (ms)', description: String(detachedAfter) })
  expect(detachedAfter).toBeGreaterThanOrEqual(10_000) // 15 s of silence; it was last heard at most 5 s before
  // the live tab answered every ping meanwhile: still attached, still receiving
  expect((await inspect(live)).tab).not.toBeNull()
})

test('the demo on http://devbox.test: three tabs, one socket, the inspector says shared-worker, chat goes across', async ({
  page,
  context,
}) => {
  await signIn(page, 'Lan')
  const others = await moreTabs(context, 2)
  const text = `hello over plain http ${Date.now()}` // its id made without crypto.randomUUID
  await expect(await say(page, text)).toHaveAttribute('data-state', 'sent')
  for (const other of others) await expect(message(other, text)).toHaveCount(1)
  for (const tab of [page, ...others]) {
    await expect(tab.getByTestId('sockets')).toHaveAttribute('data-count', '1')
    await expect(tab.getByTestId('inspector')).toContainText(/host\s*shared-worker/)
    await expect(tab.getByTestId('inspector')).toContainText(/tabs attached\s*3/)
  }
  expect(await page.evaluate(() => window.isSecureContext)).toBe(false)
  expect((await stats()).sockets).toBe(1)
})
