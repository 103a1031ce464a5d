import { defineConfig } from '@playwright/test'
import { chromiumLaunchOptions } from './scripts/chromium.mjs'

// One worker: these machines have 2 cores, and e2e tests open several tabs each.
/** The demo's port (its build, served by Vite's preview). */
export const demoPort = Number(process.env.E2E_PORT ?? 4179)
const port = demoPort
/** The dev server of the e2e run (admin on: tests read its stats and inject faults). */
export const realtimePort = Number(process.env.E2E_REALTIME_PORT ?? 4180)

export default defineConfig({
  testDir: 'e2e',
  // e2e/engines is the cross-engine suite, run by Vitest (project `engines`)
  testIgnore: 'engines/**',
  fullyParallel: false,
  workers: 1,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  outputDir: 'test-results/e2e',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromiumLaunchOptions(),
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    // e2e/insecure-origin.spec.ts opens the demo as http://devbox.test:<port> (mapped to 127.0.0.1): not a
    // loopback origin, so the dev server must be told to answer it (issue #16)
    command: `node scripts/start.mjs --port ${port} --realtime-port ${realtimePort} --admin --mode test --allowed-origin http://devbox.test:${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: !process.env.CI,
    stdout: 'pipe',
    timeout: 60_000,
  },
})
