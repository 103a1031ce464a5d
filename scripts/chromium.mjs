// The one place that decides which Chromium the browser tests, the e2e tests and
// the benchmarks launch, and with which flags. Used by vite.config.ts (Vitest's
// browser project), playwright.config.ts and scripts/ensure-chromium.mjs.
//
// Order: $CHROMIUM_PATH if set (it must exist), else Debian's /usr/bin/chromium,
// else the browser `npx playwright install chromium` put in Playwright's cache.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

export const SYSTEM_CHROMIUM = '/usr/bin/chromium'

/**
 * Every launch resolves only loopback names: Chromium otherwise looks up Google
 * hosts at start, and these machines have no network but the package registries.
 * `loopbackNames` also resolve to 127.0.0.1: a page served there under such a name is an
 * insecure origin (no Web Locks, no crypto.randomUUID), as on a LAN address (e2e/insecure-origin.spec.ts).
 * @param {string[]} [loopbackNames]
 */
export function hostResolverFlag(loopbackNames = []) {
  const rules = [...loopbackNames.map((name) => `MAP ${name} 127.0.0.1`), 'MAP * ~NOTFOUND', 'EXCLUDE localhost']
  return `--host-resolver-rules=${[...rules, 'EXCLUDE 127.0.0.1'].join(' , ')}`
}

export const HOST_RESOLVER_FLAG = hostResolverFlag()

/** @typedef {{ path: string, source: 'CHROMIUM_PATH' | 'system' | 'playwright' }} ChromiumLocation */

/** @returns {string | undefined} where Playwright keeps its own Chromium, if it is installed */
function playwrightChromium() {
  try {
    const require = createRequire(import.meta.url)
    /** @type {{ chromium: { executablePath(): string } }} */
    const playwright = require('playwright')
    const path = playwright.chromium.executablePath()
    return path && existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

/**
 * @returns {ChromiumLocation | undefined}
 * @throws {Error} when CHROMIUM_PATH names a file that does not exist
 */
export function findChromium(env = process.env) {
  const fromEnv = env.CHROMIUM_PATH
  if (fromEnv) {
    if (!existsSync(fromEnv)) {
      throw new Error(
        `CHROMIUM_PATH is set to "${fromEnv}", but no file is there. ` +
          'Point CHROMIUM_PATH at a Chromium or Chrome executable, or unset it to use /usr/bin/chromium.',
      )
    }
    return { path: fromEnv, source: 'CHROMIUM_PATH' }
  }
  if (existsSync(SYSTEM_CHROMIUM)) return { path: SYSTEM_CHROMIUM, source: 'system' }
  const bundled = playwrightChromium()
  return bundled ? { path: bundled, source: 'playwright' } : undefined
}

/**
 * Launch options for Playwright's `chromium.launch()` (and Vitest's browser provider).
 * `executablePath` is left out when Playwright's own browser is the one to use.
 * `loopbackNames`: host names that resolve to 127.0.0.1 besides localhost (hostResolverFlag).
 * @param {{ args?: string[], loopbackNames?: string[] }} [extra]
 */
export function chromiumLaunchOptions(extra = {}) {
  const found = findChromium()
  /** @type {{ executablePath?: string, args: string[] }} */
  const options = { args: [hostResolverFlag(extra.loopbackNames), ...(extra.args ?? [])] }
  if (found && found.source !== 'playwright') options.executablePath = found.path
  return options
}
