// The demo app as a person uses it: several tabs of one browser, and a second browser.
import type { BrowserContext, Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { admin, type Stats } from './realtime.ts'

async function signIn(page: Page, name: string): Promise<void> {
  await page.goto('/')
  await page.getByTestId('name-input').fill(name)
  await page.getByTestId('sign-in').click()
  await expect(page.getByTestId('me')).toContainText(name)
}

/** More tabs of the same browser: they find the remembered name and sign in by themselves. */
async function moreTabs(context: BrowserContext, n: number): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < n; i++) {
    const page = await context.newPage()
    await page.goto('/')
    await expect(page.getByTestId('me')).toBeVisible()
    pages.push(page)
  }
  return pages
}

test.beforeEach(async () => {
  await expect.poll(async () => (await admin<Stats>('/admin/stats')).sockets, { timeout: 10_000 }).toBe(0)
})

test('three tabs: chat typed in one appears in the others, and the inspector shows one socket', async ({ page, context, shots }) => {
  await signIn(page, 'Ada')
  const others = await moreTabs(context, 2)
  const text = `hello from tab 1 ${Date.now()}`
  await page.getByTestId('chat-input').fill(text)
  await page.getByTestId('chat-send').click()
  await expect(page.getByTestId('message').filter({ hasText: text })).toHaveAttribute('data-state', 'sent')
  for (const other of others) await expect(other.getByTestId('message').filter({ hasText: text })).toHaveCount(1)
  await expect(page.getByTestId('sockets')).toHaveAttribute('data-count', '1')
  // the e2e build is a test build: the client is there for scripted checks
  expect(await page.evaluate(() => window.__realtime.host)).toBe('shared-worker')
  expect((await admin<Stats>('/admin/stats')).sockets).toBe(1)
  await shots.take(page, 'demo-chat-three-tabs')
})

test('presence: one user for three tabs, two users for two browsers', async ({ page, context, browser, shots }) => {
  await signIn(page, 'Grace')
  await moreTabs(context, 2)
  await expect(page.getByTestId('presence-user')).toHaveCount(1)
  const second = await browser.newContext()
  try {
    const other = await second.newPage()
    await signIn(other, 'Linus')
    await expect(page.getByTestId('presence-user')).toHaveCount(2, { timeout: 15_000 })
    await expect(other.getByTestId('presence-user')).toHaveCount(2, { timeout: 15_000 })
    await shots.take(page, 'demo-presence-two-browsers')
  } finally {
    await second.close()
  }
})

test('a todo added in one tab appears in every tab through Postgres', async ({ page, context, shots }) => {
  await signIn(page, 'Barbara')
  const [other] = (await moreTabs(context, 1)) as [Page]
  const title = `buy milk ${Date.now()}`
  await page.getByTestId('todo-input').fill(title)
  await page.getByTestId('todo-add').click()
  await expect(page.getByTestId('todo').filter({ hasText: title })).toHaveCount(1)
  await expect(other.getByTestId('todo').filter({ hasText: title })).toHaveCount(1)
  await shots.take(other, 'demo-todos')
})
