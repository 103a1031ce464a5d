// The demo app as a person uses it: several tabs of one browser, and a second browser.
import type { Page } from '@playwright/test'
import { message, moreTabs, say, signIn } from './demo.ts'
import { expect, test } from './fixtures.ts'
import { admin, type Stats } from './realtime.ts'

test.beforeEach(async () => {
  await expect.poll(async () => (await admin<Stats>('/admin/stats')).sockets, { timeout: 10_000 }).toBe(0)
})

test('three tabs: chat typed in one appears in the others, and the inspector shows one socket', async ({
  page,
  context,
  shots,
}) => {
  await signIn(page, 'Ada')
  const others = await moreTabs(context, 2)
  const text = `hello from tab 1 ${Date.now()}`
  await expect(await say(page, text)).toHaveAttribute('data-state', 'sent')
  for (const other of others) await expect(message(other, text)).toHaveCount(1)
  // the inspector, in every tab: one socket, three tabs attached to it; the user sees it too
  for (const tab of [page, ...others]) {
    await expect(tab.getByTestId('sockets')).toHaveAttribute('data-count', '1')
    await expect(tab.getByTestId('inspector')).toContainText(/tabs attached\s*3/)
    await expect(tab.getByTestId('my-tabs')).toHaveText('(you · 3 tabs)')
  }
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

test('cursors: moving the pointer in one browser moves a labelled cursor in the other', async ({
  page,
  browser,
  shots,
}) => {
  await signIn(page, 'Margaret')
  const second = await browser.newContext()
  try {
    const other = await second.newPage()
    await signIn(other, 'Dennis')
    const cursor = other.getByTestId('cursor').filter({ hasText: 'Margaret' })
    // the cursors channel joins on its own: move until the first position gets through
    await expect(async () => {
      await page.mouse.move(200 + Math.random() * 50, 300)
      await expect(cursor).toBeVisible({ timeout: 500 })
    }).toPass({ timeout: 15_000 })
    // the cursor is drawn where the pointer is in the other browser (page coordinates)
    await page.mouse.move(400, 250, { steps: 5 })
    await expect(cursor).toHaveAttribute('style', /translate\(400px, 250px\)/)
    await page.mouse.move(600, 420, { steps: 5 })
    await expect(cursor).toHaveAttribute('style', /translate\(600px, 420px\)/)
    await shots.take(other, 'demo-cursors')
    // no cursor of one's own (the same user in another tab draws none either)
    await expect(page.getByTestId('cursor')).toHaveCount(0)
  } finally {
    await second.close()
  }
})

test('closing a tab changes nothing for the others, except its presence once it was the last', async ({
  page,
  context,
  browser,
}) => {
  await signIn(page, 'Alan')
  const [alanTab2] = (await moreTabs(context, 1)) as [Page]
  const second = await browser.newContext()
  try {
    const other = await second.newPage()
    await signIn(other, 'Joan')
    const text = `before the tabs close ${Date.now()}`
    await expect(await say(page, text)).toHaveAttribute('data-state', 'sent')
    await expect(other.getByTestId('presence-user')).toHaveCount(2, { timeout: 15_000 })
    await expect(message(other, text)).toHaveCount(1)

    await page.close()
    // the engine has let go of the closed tab: one tab attached in Alan's browser
    await expect(alanTab2.getByTestId('inspector')).toContainText(/tabs attached\s*1/)
    await expect(alanTab2.getByTestId('my-tabs')).toHaveText('(you)')
    // Joan still sees Alan (he has a tab open), and the conversation is untouched
    await expect(other.getByTestId('presence-user')).toHaveCount(2)
    await expect(other.getByTestId('presence-user').filter({ hasText: 'Alan' })).toHaveCount(1)
    await expect(message(other, text)).toHaveCount(1)
    const reply = `still here ${Date.now()}`
    await say(other, reply)
    await expect(message(alanTab2, reply)).toHaveCount(1)

    await alanTab2.close() // Alan's last tab: he leaves
    await expect(other.getByTestId('presence-user')).toHaveCount(1, { timeout: 15_000 })
    await expect(other.getByTestId('presence-user')).toContainText('Joan')
    await expect(message(other, text)).toHaveCount(1)
  } finally {
    await second.close()
  }
})

test('a guest stays the same person across reloads; signing out and in again is a new person', async ({
  page,
  context,
}) => {
  await signIn(page, 'Ada')
  const me = page.getByTestId('presence-user').filter({ hasText: '(you' })
  const id = await me.getAttribute('data-user')
  expect(id).toMatch(/^[0-9a-f-]{36}$/)
  await page.reload()
  await expect(me).toHaveAttribute('data-user', id!)
  const [tab2] = (await moreTabs(context, 1)) as [Page]
  await expect(tab2.getByTestId('presence-user').filter({ hasText: '(you' })).toHaveAttribute('data-user', id!)
  await tab2.close()
  await page.getByTestId('sign-out').click()
  await page.getByTestId('name-input').fill('Ada')
  await page.getByTestId('sign-in').click()
  await expect(me).toHaveAttribute('data-user', /^[0-9a-f-]{36}$/)
  expect(await me.getAttribute('data-user')).not.toBe(id)
})

test('reloading every tab while the socket is up: each banner is hidden within a second, not "Connecting…"', async ({
  page,
  context,
}) => {
  await signIn(page, 'Hedy')
  const tabs = [page, ...(await moreTabs(context, 2))]
  await expect(page.getByTestId('inspector')).toContainText(/tabs attached\s*3/)
  for (const tab of tabs) {
    await tab.reload() // the other tabs keep the worker, and its socket, up
    await expect(tab.getByTestId('me')).toContainText('Hedy')
    // mounted with the client's state: the socket's, learnt when the tab attached to the running worker
    const banner = tab.getByTestId('banner')
    await expect(banner).toBeAttached()
    await expect(banner).toHaveAttribute('data-state', 'connected', { timeout: 1000 })
    await expect(banner).toBeHidden({ timeout: 1000 })
  }
  expect((await admin<Stats>('/admin/stats')).sockets).toBe(1)
})

test('a narrow window: one column, nothing wider than the screen, everything reachable', async ({ page, shots }) => {
  await page.setViewportSize({ width: 390, height: 844 })
  await signIn(page, 'Katherine')
  await expect(page.getByTestId('presence-user')).toHaveCount(1)
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  expect(overflow).toBeLessThanOrEqual(0)
  for (const id of ['chat-input', 'chat-send', 'todo-input', 'inspector']) {
    const box = (await page.getByTestId(id).boundingBox())!
    expect(box.x, id).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width, id).toBeLessThanOrEqual(390)
  }
  const text = `from a phone ${Date.now()}`
  await expect(await say(page, text)).toHaveAttribute('data-state', 'sent')
  await shots.take(page, 'demo-narrow')
})
