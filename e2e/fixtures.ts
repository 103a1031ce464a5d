// The Playwright fixture every e2e test uses: a test fails on any console error or
// uncaught page error, in any page of its context or in a SharedWorker (watched over CDP: Playwright
// does not see shared workers; their console.error and uncaught exceptions), that it did not declare with
// `errors.expectErrors(/pattern/)` (or tolerates with `errors.allowErrors`). Screenshots of the pages a test names with
// `shots.take(page, name)` land in test-results/screenshots/ (gitignored) on every run.
import { mkdirSync } from 'node:fs'
import { test as base, type BrowserContext, expect, type Page } from '@playwright/test'

interface ErrorWatch {
  /** Declares errors this test expects; each pattern must match at least one error. */
  expectErrors(...patterns: RegExp[]): void
  /** Declares errors this test tolerates (they may or may not happen), e.g. the browser's own log of a failed request while offline. */
  allowErrors(...patterns: RegExp[]): void
  /**
   * Stops watching the SharedWorker target `targetId`, or every one so far (a worker with a DevTools session
   * attached does not close on CDP Target.closeTarget, nor release a crashed tab's channels in time): call it before
   * killing that worker or a tab. Workers started later are watched.
   */
  releaseWorker(targetId?: string): Promise<void>
}

interface Shots {
  take(page: Page, name: string): Promise<void>
}

const SHOTS = 'test-results/screenshots'

interface RemoteObject {
  type: string
  value?: unknown
  description?: string
}

/**
 * Reports every console.error / console.assert and uncaught exception of the browser's SharedWorkers to `report`.
 * Playwright has no API for shared workers, so this attaches to their `shared_worker` targets over a browser CDP
 * session (not flattened: Playwright's CDPSession cannot address a child session); Runtime.enable replays what the
 * worker logged before the attach. Returns a stop function.
 */
async function watchSharedWorkers(
  context: BrowserContext,
  report: (text: string) => void,
): Promise<{ stop(): Promise<void>; release(targetId?: string): Promise<void> }> {
  const browser = context.browser()
  if (!browser || browser.browserType().name() !== 'chromium') return { stop: async () => {}, release: async () => {} }
  const cdp = await browser.newBrowserCDPSession()
  const attached = new Set<string>()
  const sessions = new Map<string, string>()
  const text = (args: RemoteObject[]) =>
    args.map((a) => (a.value !== undefined ? String(a.value) : (a.description ?? a.type))).join(' ')
  cdp.on('Target.attachedToTarget', ({ sessionId, targetInfo }) => {
    sessions.set(targetInfo.targetId, sessionId)
    const send = (id: number, method: string) =>
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params: {} }) })
    send(1, 'Runtime.enable').catch(() => undefined)
  })
  cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message) as { method?: string; params?: Record<string, unknown> }
    if (m.method === 'Runtime.consoleAPICalled') {
      const { type, args } = m.params as { type: string; args: RemoteObject[] }
      if (type === 'error' || type === 'assert') report(`shared worker console.${type}: ${text(args)}`)
    } else if (m.method === 'Runtime.exceptionThrown') {
      const { exceptionDetails } = m.params as {
        exceptionDetails: { text: string; exception?: RemoteObject }
      }
      report(`shared worker error: ${exceptionDetails.text} ${exceptionDetails.exception?.description ?? ''}`.trimEnd())
    }
  })
  const attach = (targetInfo: { targetId: string; type: string }) => {
    if (targetInfo.type !== 'shared_worker' || attached.has(targetInfo.targetId)) return
    attached.add(targetInfo.targetId)
    cdp.send('Target.attachToTarget', { targetId: targetInfo.targetId, flatten: false }).catch(() => undefined)
  }
  cdp.on('Target.targetCreated', ({ targetInfo }) => attach(targetInfo))
  await cdp.send('Target.setDiscoverTargets', { discover: true })
  const { targetInfos } = await cdp.send('Target.getTargets')
  targetInfos.forEach(attach)
  return {
    stop: () => cdp.detach().catch(() => undefined),
    release: async (targetId) => {
      for (const [id, sessionId] of sessions)
        if (targetId === undefined || id === targetId) {
          sessions.delete(id)
          await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined)
        }
    },
  }
}

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
      const workers = await watchSharedWorkers(context, (text) => seen.push(text))
      await use({
        expectErrors: (...patterns) => expected.push(...patterns),
        allowErrors: (...patterns) => allowed.push(...patterns),
        releaseWorker: (targetId) => workers.release(targetId),
      })
      await workers.stop()
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
