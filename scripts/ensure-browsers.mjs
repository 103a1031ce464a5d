// Makes sure Firefox and WebKit exist before the cross-engine suite (step `engines`) runs, as
// ensure-chromium.mjs does for Chromium: on Debian as root it installs what is missing
// (firefox-esr, webkit2gtk-driver, xvfb); elsewhere it says what to install and which
// environment variables point at binaries installed somewhere else.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { DEBIAN_PACKAGES, findEngineBinaries } from './browsers.mjs'

/** @param {import('./browsers.mjs').EngineBinaries} found */
const missing = (found) =>
  /** @type {Array<keyof typeof DEBIAN_PACKAGES>} */ (Object.keys(DEBIAN_PACKAGES)).filter((key) => !found[key])

export function ensureBrowsers() {
  let found = findEngineBinaries()
  let absent = missing(found)
  if (absent.length > 0) {
    const packages = [...new Set(absent.map((key) => DEBIAN_PACKAGES[key]))]
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
    if (isRoot && existsSync('/usr/bin/apt-get')) {
      console.log(`ensure-browsers: installing Debian's ${packages.join(', ')}`)
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
      const apt = (/** @type {string[]} */ args) => spawnSync('apt-get', args, { stdio: 'inherit', env }).status === 0
      if (apt(['update', '-qq'])) apt(['install', '-y', '-qq', ...packages])
      found = findEngineBinaries()
      absent = missing(found)
    }
    if (absent.length > 0) {
      console.error(
        `ensure-browsers: missing ${absent.join(', ')}. Install Debian's ${packages.join(' ')} ` +
          '(`apt-get install -y firefox-esr webkit2gtk-driver xvfb`), or point FIREFOX_PATH, WEBKIT_DRIVER_PATH, ' +
          'MINIBROWSER_PATH, XVFB_PATH at the binaries.',
      )
      return false
    }
  }
  console.log(
    `ensure-browsers: firefox ${found.firefox}, WebKitWebDriver ${found.webkitDriver} (MiniBrowser ${found.miniBrowser}), Xvfb ${found.xvfb}`,
  )
  return true
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exit(ensureBrowsers() ? 0 : 1)
  } catch (error) {
    console.error(`ensure-browsers: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
