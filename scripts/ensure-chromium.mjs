// Makes sure a Chromium exists before the browser suites run. On a fresh Debian
// machine as root this installs Debian's `chromium`; elsewhere it asks Playwright
// to install its own; if neither works it stops with a message naming CHROMIUM_PATH.
import { findChromium } from './chromium.mjs'
import { aptInstall, run } from './apt.mjs'

function report() {
  const found = findChromium()
  if (found) console.log(`ensure-chromium: using ${found.path} (${found.source})`)
  return found
}

export function ensureChromium() {
  if (report()) return true
  if (aptInstall('ensure-chromium', 'chromium') && report()) return true
  console.log("ensure-chromium: trying Playwright's own Chromium")
  if (run('ensure-chromium', 'npx', ['playwright', 'install', 'chromium']) && report()) return true
  console.error(
    'ensure-chromium: no Chromium could be found or installed. Install Chromium (Debian: `apt-get install chromium`) ' +
      'or Chrome, and set CHROMIUM_PATH to its executable.',
  )
  return false
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exit(ensureChromium() ? 0 : 1)
  } catch (error) {
    console.error(`ensure-chromium: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
