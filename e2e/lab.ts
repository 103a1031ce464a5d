// Driving the e2e lab page (apps/demo/lab.html, `window.lab`) from Playwright.
import type { BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures.ts'

export type Host = 'shared-worker' | 'worker' | 'page' | 'leader'

const noSharedWorker = new WeakSet<BrowserContext>()

/**
 * Makes `context` a browser without SharedWorker (Chrome on Android before 148, Android WebView, Samsung Internet):
 * every page it opens or reloads from now on has no `SharedWorker` global, before any of its scripts runs. There
 * `host: 'auto'` picks the leader tab (issue #18). Idempotent.
 */
export async function withoutSharedWorker(context: BrowserContext): Promise<void> {
  if (noSharedWorker.has(context)) return
  noSharedWorker.add(context)
  await context.addInitScript(() => {
    delete (window as { SharedWorker?: unknown }).SharedWorker
  })
}

/** The host a lab tab of `context` ends on when it asks for `host`. */
const expectedHost = (context: BrowserContext, host: Host | 'auto'): Host =>
  host !== 'auto' ? host : noSharedWorker.has(context) ? 'leader' : 'shared-worker'

/**
 * Opens `n` lab tabs, each ready once its client attached to `host` ('auto': expects the SharedWorker, or the leader
 * tab in a context `withoutSharedWorker`); `realtime`: a dev server the test started (its HTTP URL), else the run's.
 */
export async function openTabs(
  context: BrowserContext,
  n: number,
  options: { host?: Host | 'auto'; realtime?: string } = {},
): Promise<Page[]> {
  const host = options.host ?? 'shared-worker'
  const query = `host=${host}${options.realtime ? `&realtime=${encodeURIComponent(options.realtime)}` : ''}`
  const pages: Page[] = []
  for (let i = 0; i < n; i++) {
    const page = await context.newPage()
    await page.goto(`/lab.html?${query}`)
    await expect(page.locator('#status')).toHaveText(`ready (host ${expectedHost(context, host)})`)
    pages.push(page)
  }
  return pages
}

/** The lab tab's `inspect().leader` (the leader host): which tab leads, since when, and whether it is this one. */
export const leaderOf = (page: Page) =>
  page.evaluate(async () => {
    const snap = (await window.lab.inspect()) as { leader?: { tab: string; since: number; self: boolean } }
    return snap.leader ?? null
  })

/** The one tab of `tabs` that says it leads (polled until exactly one does, and every tab names it). */
export async function leaderAmong(tabs: readonly Page[], timeout = 15_000): Promise<Page> {
  let found: Page | undefined
  await expect(async () => {
    const leaders = await Promise.all(tabs.map((tab) => leaderOf(tab)))
    const selves = leaders.flatMap((l, i) => (l?.self ? [i] : []))
    expect(selves, 'exactly one tab leads').toHaveLength(1)
    const tab = leaders[selves[0]!]!.tab
    expect(
      leaders.map((l) => l?.tab),
      'every tab names the same leader',
    ).toEqual(tabs.map(() => tab))
    found = tabs[selves[0]!]
  }).toPass({ timeout })
  return found!
}

export const subscribe = (page: Page, topic: string, options: { self?: boolean; key?: string; count?: string } = {}) =>
  page.evaluate(([t, o]) => window.lab.subscribe(t, o), [topic, options] as const)

/** The events of `kind` the page recorded, without their times (`timedEventsOf` has them). */
export const eventsOf = (page: Page, kind: string) =>
  page.evaluate(
    (k) =>
      window.lab.events.filter((e) => e.kind === k).map((e) => ({ topic: e.topic, kind: e.kind, payload: e.payload })),
    kind,
  )

/** The events of `kind` the page recorded, each with `at` (epoch ms, this machine's clock: comparable to Date.now()). */
export const timedEventsOf = (page: Page, kind: string) =>
  page.evaluate((k) => window.lab.events.filter((e) => e.kind === k), kind)

/** A broadcast from `from` reaches `to`, retried until it does (a fresh event name `tag` each time). */
export async function flows(from: Page, to: Page, topic: string, tag: string): Promise<void> {
  await expect(async () => {
    await from.evaluate(([t, e]) => window.lab.send(t!, e!, {}), [topic, tag] as const)
    const seen = await eventsOf(to, 'broadcast')
    expect(seen.some((e) => (e.payload as { event?: string }).event === tag)).toBe(true)
  }).toPass({ timeout: 15_000 })
}

/**
 * Durable sends stored in `page`'s engine and not yet sent (its inspect()): on `topic`'s channel, or on every channel
 * without a topic.
 */
export const durableWaiting = (page: Page, topic?: string) =>
  page.evaluate(async (t) => {
    const snap = (await window.lab.inspect()) as {
      engine?: { channels?: Array<{ topic: string; outbox?: { durableWaiting?: number } }> }
    }
    const channels = (snap.engine?.channels ?? []).filter((c) => t === undefined || c.topic === `realtime:${t}`)
    return channels.reduce((n, c) => n + (c.outbox?.durableWaiting ?? 0), 0)
  }, topic)

/** How many `resubscribed` system events `page` has seen on `topic`. */
export const resubscribes = (page: Page, topic: string) =>
  page.evaluate(
    (t) =>
      window.lab.events.filter(
        (e) => e.topic === t && e.kind === 'system' && (e.payload as { message?: string }).message === 'resubscribed',
      ).length,
    topic,
  )

let counter = 0
/** A topic name no other test uses. */
export const topicName = (name: string) => `${name}-${Date.now().toString(36)}-${counter++}`
