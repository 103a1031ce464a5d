import { fileURLToPath } from 'node:url'
import { playwright } from '@vitest/browser-playwright'
import { defineConfig } from 'vitest/config'
import { chromiumLaunchOptions } from './scripts/chromium.mjs'
import { realtimeAdmin, realtimeToken } from './scripts/vitest-commands.ts'

const repoRoot = fileURLToPath(new URL('.', import.meta.url))

// Serving: `vite` (and `npm start`) serve apps/demo. Testing: two Vitest projects,
// both rooted at the repository:
//   node    — *.test.ts everywhere except *.browser.test.ts and *.faults.test.ts
//   faults  — *.faults.test.ts: faults and load against the real dev server (RELIABILITY.md)
//   browser — *.browser.test.ts, in real Chromium through Playwright (scripts/chromium.mjs)
//   browser-leader — the host-parametrized browser suites again with host 'leader', SharedWorker removed (#18)
//   engines — e2e/engines/*.engines.test.ts: multi-tab scenarios in Chromium, Firefox and WebKit
/** The browser suites' Chromium (Debian's, through Playwright) with the dev server commands they call. */
function chromiumBrowser() {
  return {
    commands: { realtimeAdmin, realtimeToken },
    enabled: true,
    headless: true,
    provider: playwright({ launchOptions: chromiumLaunchOptions() }),
    instances: [{ browser: 'chromium' as const }],
    screenshotFailures: false,
  }
}

export default defineConfig({
  root: fileURLToPath(new URL('./apps/demo', import.meta.url)),
  // devbox.test: a name the e2e browser maps to 127.0.0.1, to serve the demo on an insecure origin
  // (e2e/insecure-origin.spec.ts); Vite refuses Host names it does not know
  server: { host: '127.0.0.1', allowedHosts: ['devbox.test'] },
  preview: { host: '127.0.0.1', allowedHosts: ['devbox.test'] },
  test: {
    projects: [
      {
        test: {
          name: 'node',
          root: repoRoot,
          environment: 'node',
          include: ['packages/*/src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts', '**/*.faults.test.ts'],
          // many files start a dev server (an embedded Postgres) before their tests: ~1.5 s on an idle machine,
          // 5-9 s measured with the cores busy; a hook that truly hangs still fails
          hookTimeout: 60_000,
        },
      },
      {
        // fault and load tests against the real dev server (issue #8); FAULTS_FULL=1 for the full counts
        test: {
          name: 'faults',
          root: repoRoot,
          environment: 'node',
          include: ['packages/*/src/**/*.faults.test.ts'],
          exclude: ['**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'browser',
          root: repoRoot,
          include: ['packages/*/src/**/*.browser.test.ts'],
          // one dev server for the browser suites; its URL and keys via inject('realtime')
          globalSetup: ['scripts/vitest-realtime.ts'],
          browser: chromiumBrowser(),
          // the browser suites share one dev server and assert on its stats: one file at a time
          fileParallelism: false,
        },
      },
      {
        // issue #18: the host-parametrized browser suites once more, for the leader tab only (`hosts` provided to
        // test-support/hosts.ts), in a page without SharedWorker (test-support/no-shared-worker.ts). Its own dev
        // server (globalSetup), so `npm test` runs it as a step of its own after `browser`.
        test: {
          name: 'browser-leader',
          root: repoRoot,
          include: [
            'packages/client/src/client.browser.test.ts',
            'packages/client/src/attach-state.browser.test.ts',
            'packages/client/src/durable.browser.test.ts',
            'packages/client/src/durable-identity.browser.test.ts',
          ],
          setupFiles: ['packages/client/src/test-support/no-shared-worker.ts'],
          provide: { hosts: ['leader'] },
          globalSetup: ['scripts/vitest-realtime.ts'],
          browser: chromiumBrowser(),
          fileParallelism: false,
        },
      },
      {
        // the multi-tab scenarios in three engines (e2e/engines/drivers.ts); ENGINES=firefox,webkit for a subset
        test: {
          name: 'engines',
          root: repoRoot,
          environment: 'node',
          include: ['e2e/engines/**/*.engines.test.ts'],
          globalSetup: ['e2e/engines/server.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // a poll waits up to 5 s (Vitest's default is 1 s): each poll is a WebDriver round trip to a real browser,
          // and a loaded 2-core machine made a broadcast to a reloaded Firefox tab miss the 1 s once
          expect: { poll: { timeout: 5_000 } },
        },
      },
    ],
  },
})
