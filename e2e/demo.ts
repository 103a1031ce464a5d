// Driving the demo app as a person would: sign in, open more tabs, chat.
import type { BrowserContext, Page } from '@playwright/test'
import { expect } from './fixtures.ts'

/** `path`: the demo page, with `?realtime=<url>` for a dev server the test started itself. */
export async function signIn(page: Page, name: string, path = '/'): Promise<void> {
  await page.goto(path)
  await page.getByTestId('name-input').fill(name)
  await page.getByTestId('sign-in').click()
  await expect(page.getByTestId('me')).toContainText(name)
}

/** More tabs of the same browser: they find the remembered guest and sign in by themselves. */
export async function moreTabs(context: BrowserContext, n: number, path = '/'): Promise<Page[]> {
  const pages: Page[] = []
  for (let i = 0; i < n; i++) {
    const page = await context.newPage()
    await page.goto(path)
    await expect(page.getByTestId('me')).toBeVisible()
    pages.push(page)
  }
  return pages
}

/** Types `text` into the chat and sends it; returns the message's list item in `page`. */
export async function say(page: Page, text: string) {
  await page.getByTestId('chat-input').fill(text)
  await page.getByTestId('chat-send').click()
  return message(page, text)
}

export const message = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text })
