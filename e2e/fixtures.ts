// The Playwright fixture every e2e test uses: a test fails on any console error or
// uncaught page error, in any page of its context, that it did not declare with
// `errors.expectErrors(/pattern/)` (or tolerates with `errors.allowErrors`). Screenshots of the pages a test names with
// `shots.take(page, name)` land in test-results/screenshots/ (gitignored) on every run.
import { mkdirSync } from 'node:fs'
import { test as base, expect, type Page } from '@playwright/test'

interface ErrorWatch {
  /** Declares errors this test expects; each pattern must match at least one error. */
  expectErrors(...patterns: RegExp[]): void
  /** Declares errors this test tolerates (they may or may not happen), e.g. the browser's own log of a failed request while offline. */
  allowErrors(...patterns: RegExp[]): void
}

interface Shots {
  take(page: Page, name: string): Promise<void>
}

const SHOTS = 'test-results/screenshots'

export const test = base.extend<{ errors: ErrorWatch; shots: Shots }>({
  errors: [
    async ({ context }, use) => {
      const seen: string[] = []
      const expected: RegExp[] = []
      const allowed: RegExp[] = []
      const watch = (page: Page) => {
        page.on('console', (message) => {
          if (message.type() === 'error') seen.push(`console.error: ${message.text()}`)
        })
        page.on('pageerror', (error) => seen.push(`page error: ${error.message}`))
      }
      context.pages().forEach(watch)
      context.on('page', watch)
      await use({
        expectErrors: (...patterns) => expected.push(...patterns),
        allowErrors: (...patterns) => allowed.push(...patterns),
      })
      const unexpected = seen.filter((text) => ![...expected, ...allowed].some((pattern) => pattern.test(text)))
      expect(unexpected, 'errors in the pages').toEqual([])
      for (const pattern of expected)
        expect(
          seen.some((text) => pattern.test(text)),
          `expected an error matching ${pattern}`,
        ).toBe(true)
    },
    { auto: true },
  ],
  // oxlint-disable-next-line no-empty-pattern -- Playwright requires a destructuring pattern as the first parameter of a fixture
  shots: async ({}, use, testInfo) => {
    mkdirSync(SHOTS, { recursive: true })
    await use({
      take: async (page, name) => {
        const path = `${SHOTS}/${name}.png`
        await page.screenshot({ path, fullPage: true })
        await testInfo.attach(name, { path, contentType: 'image/png' })
      },
    })
  },
})

export { expect }
