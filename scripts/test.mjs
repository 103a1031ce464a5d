// `npm test`: every check and every test suite, in order, then ONE closing line
//   N passed, N failed[, N skipped]
// summing all runners (typecheck and lint count as one check each). Every step runs
// even when an earlier one failed, so one run shows everything; the exit code is
// non-zero if anything failed.
//
//   npm test                     everything
//   npm test -- --only unit,e2e  a subset (steps: typecheck lint unit faults browser browser-leader e2e engines)
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureBrowsers } from './ensure-browsers.mjs'
import { ensureChromium } from './ensure-chromium.mjs'
import { ensurePostgres } from './ensure-postgres.mjs'
import { closingLine, playwright, run, vitest } from './runners.mjs'

const reportDir = join(process.cwd(), 'test-results', 'reports')
rmSync(reportDir, { recursive: true, force: true })
mkdirSync(reportDir, { recursive: true })

/** @typedef {import('./runners.mjs').Counts} Counts */

/** A check (typecheck, lint) counts as one test. @param {string} cmd @param {string[]} args @returns {Counts} */
function check(cmd, args) {
  const { ok } = run(cmd, args)
  return { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }
}

const steps = {
  typecheck: () => check('npm', ['run', '--silent', 'typecheck']),
  lint: () => check('npm', ['run', '--silent', 'lint']),
  unit: () => vitest(reportDir, 'node'),
  // the Node fault suite (issue #8), reduced counts; FAULTS_FULL=1 for the full ones
  faults: () => vitest(reportDir, 'faults'),
  browser: () => vitest(reportDir, 'browser'),
  // the host-parametrized browser suites once more with host 'leader', SharedWorker removed (issue #18)
  'browser-leader': () => vitest(reportDir, 'browser-leader'),
  e2e: () => playwright(reportDir),
  // the multi-tab scenarios in Chromium, Firefox and WebKit (e2e/engines, issue #14)
  engines: () => vitest(reportDir, 'engines'),
}

const onlyArg = process.argv.indexOf('--only')
const selected = onlyArg >= 0 ? (process.argv[onlyArg + 1] ?? '').split(',') : Object.keys(steps)
for (const name of selected) {
  if (!(name in steps)) {
    console.error(`npm test: unknown step "${name}"; steps are ${Object.keys(steps).join(', ')}`)
    process.exit(2)
  }
}

/** @type {Array<[string, Counts]>} */
const results = []
let browserReady = true
try {
  if (selected.some((name) => ['browser', 'browser-leader', 'e2e', 'engines'].includes(name)))
    browserReady = ensureChromium()
} catch (error) {
  console.error(`ensure-chromium: ${error instanceof Error ? error.message : String(error)}`)
  browserReady = false
}
// Firefox and WebKit (Debian's firefox-esr, webkit2gtk-driver, xvfb) for the engines step
let enginesReady = true
try {
  if (selected.includes('engines')) enginesReady = ensureBrowsers()
} catch (error) {
  console.error(`ensure-browsers: ${error instanceof Error ? error.message : String(error)}`)
  enginesReady = false
}
// The unit step runs even without PostgreSQL: only the suites that start a cluster need it, and
// they fail with the reason (packages/server/src/test-support/postgres.ts) while the rest still count.
try {
  if (selected.includes('unit') && !ensurePostgres()) console.error('ensure-postgres: the PostgreSQL suites will fail')
} catch (error) {
  console.error(`ensure-postgres: ${error instanceof Error ? error.message : String(error)}`)
}
for (const name of selected) {
  const needsBrowser = ['browser', 'browser-leader', 'e2e', 'engines'].includes(name)
  if ((needsBrowser && !browserReady) || (name === 'engines' && !enginesReady)) {
    results.push([name, { passed: 0, failed: 1, skipped: 0 }])
    continue
  }
  results.push([name, steps[/** @type {keyof typeof steps} */ (name)]()])
}

const total = { passed: 0, failed: 0, skipped: 0 }
console.log('\n── summary')
for (const [name, counts] of results) {
  total.passed += counts.passed
  total.failed += counts.failed
  total.skipped += counts.skipped
  console.log(`${name.padEnd(15)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
}
console.log(closingLine(total))
process.exit(total.failed > 0 ? 1 : 0)
