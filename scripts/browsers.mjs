// Where the Firefox and WebKit of the cross-engine suite (e2e/engines, `npm test -- --only engines`)
// are: Debian's `firefox-esr` (driven over WebDriver BiDi by puppeteer-core) and Debian's
// `webkit2gtk-driver` (WebKitWebDriver, W3C WebDriver, driving WebKitGTK's MiniBrowser) under
// `xvfb`. Each can be pointed elsewhere with an environment variable.
import { existsSync, readdirSync } from 'node:fs'

/** @param {string | undefined} fromEnv @param {string} name @param {string[]} candidates */
function locate(fromEnv, name, candidates) {
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(`${name} is set to "${fromEnv}", but no file is there; unset it or fix it`)
    return fromEnv
  }
  return candidates.find((path) => existsSync(path))
}

/** MiniBrowser lives under the multiarch library directory: /usr/lib/<triplet>/webkit2gtk-4.1/MiniBrowser. */
function miniBrowserCandidates() {
  try {
    return readdirSync('/usr/lib', { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `/usr/lib/${entry.name}/webkit2gtk-4.1/MiniBrowser`)
  } catch {
    return []
  }
}

/**
 * @typedef {{ firefox?: string, webkitDriver?: string, miniBrowser?: string, xvfb?: string }} EngineBinaries
 * @returns {EngineBinaries}
 */
export function findEngineBinaries(env = process.env) {
  return {
    firefox: locate(env.FIREFOX_PATH, 'FIREFOX_PATH', ['/usr/bin/firefox-esr', '/usr/bin/firefox']),
    webkitDriver: locate(env.WEBKIT_DRIVER_PATH, 'WEBKIT_DRIVER_PATH', ['/usr/bin/WebKitWebDriver']),
    miniBrowser: locate(env.MINIBROWSER_PATH, 'MINIBROWSER_PATH', miniBrowserCandidates()),
    xvfb: locate(env.XVFB_PATH, 'XVFB_PATH', ['/usr/bin/Xvfb']),
  }
}

/** The Debian package that brings each binary. */
export const DEBIAN_PACKAGES = {
  firefox: 'firefox-esr',
  webkitDriver: 'webkit2gtk-driver',
  miniBrowser: 'webkit2gtk-driver',
  xvfb: 'xvfb',
}
