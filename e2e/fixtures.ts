// The Playwright fixture every e2e test uses: a test fails on any console error or
// uncaught page error it did not declare with `expectErrors(/pattern/)`.
import { test as base, expect } from '@playwright/test'

interface ErrorWatch {
  /** Declares errors this test expects; each pattern must match at least one error. */
  expectErrors(...patterns: RegExp[]): void
}

export const test = base.extend<{ errors: ErrorWatch }>({
  errors: [
    async ({ page }, use) => {
      const seen: string[] = []
      const expected: RegExp[] = []
      page.on('console', (message) => {
        if (message.type() === 'error') seen.push(`console.error: ${message.text()}`)
      })
      page.on('pageerror', (error) => seen.push(`page error: ${error.message}`))
      await use({ expectErrors: (...patterns) => expected.push(...patterns) })
      const unexpected = seen.filter((text) => !expected.some((pattern) => pattern.test(text)))
      expect(unexpected, 'errors in the page').toEqual([])
      for (const pattern of expected) expect(seen.some((text) => pattern.test(text)), `expected an error matching ${pattern}`).toBe(true)
    },
    { auto: true },
  ],
})

export { expect }
