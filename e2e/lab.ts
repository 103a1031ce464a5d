// Driving the e2e lab page (apps/demo/lab.html, `window.lab`) from Playwright.
import type { BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures.ts'

export type Host = 'shared-worker' | 'worker' | 'page'

/**
 * Opens `n` lab tabs, each ready once its client attached to `host` ('auto': expects the SharedWorker); `realtime`: a
 * dev server the test started (its HTTP URL), else the run's.
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
    await expect(page.locator('#status')).toHaveText(`ready (host ${host === 'auto' ? 'shared-worker' : host})`)
    pages.push(page)
  }
  return pages
}

export const subscribe = (page: Page, topic: string, options: { self?: boolean; key?: string; count?: string } = {}) =>
  page.evaluate(([t, o]) => window.lab.subscribe(t, o), [topic, options] as const)

export const eventsOf = (page: Page, kind: string) =>
  page.evaluate((k) => window.lab.events.filter((e) => e.kind === k), kind)

/** A broadcast from `from` reaches `to`, retried until it does (a fresh event name `tag` each time). */
export async function flows(from: Page, to: Page, topic: string, tag: string): Promise<void> {
  await expect(async () => {
    await from.evaluate(([t, e]) => window.lab.send(t!, e!, {}), [topic, tag] as const)
    const seen = await eventsOf(to, 'broadcast')
    expect(seen.some((e) => (e.payload as { event?: string }).event === tag)).toBe(true)
  }).toPass({ timeout: 15_000 })
}

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
