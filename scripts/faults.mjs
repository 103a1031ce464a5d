// `npm run test:faults`: the fault and load suite of issue #8 at full size, then its figures.
//   npm run test:faults               full counts (FAULTS_FULL=1): restarts ×20, 30 s offline, 20 tabs × 20 channels …
//   npm run test:faults -- --reduced  the reduced counts `npm test` runs
// Runs the Node fault tests (Vitest project "faults") and the browser ones (Playwright,
// e2e/faults/), each writing its figures to test-results/faults/<name>.json; prints them as
// the table RELIABILITY.md holds (also written to test-results/faults/REPORT.md), then the
// closing line `N passed, N failed[, N skipped]`.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureChromium } from './ensure-chromium.mjs'
import { formatReport } from './faults-report.mjs'

const reduced = process.argv.includes('--reduced')
const env = { ...process.env, ...(reduced ? {} : { FAULTS_FULL: '1' }) }
const dir = join(process.cwd(), 'test-results', 'faults')
const reports = join(process.cwd(), 'test-results', 'reports')
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
mkdirSync(reports, { recursive: true })
ensureChromium()

console.log(`fault suite, ${reduced ? 'reduced' : 'full'} counts`)
const totals = { passed: 0, failed: 0, skipped: 0 }
/** @param {string} file @returns {any} */
const readJson = (file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

const vitestOut = join(reports, 'vitest-faults.json')
const node = spawnSync('npx', ['vitest', 'run', '--project', 'faults', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestOut}`], { stdio: 'inherit', env })
const v = readJson(vitestOut)
if (v) {
  totals.passed += v.numPassedTests
  totals.failed += v.numFailedTests
  totals.skipped += v.numPendingTests + v.numTodoTests
}
if (!v || (node.status !== 0 && v.numFailedTests === 0)) totals.failed += 1

const pwOut = join(reports, 'playwright-faults.json')
const browser = spawnSync('npx', ['playwright', 'test', 'e2e/faults', '--reporter=list,json'], { stdio: 'inherit', env: { ...env, PLAYWRIGHT_JSON_OUTPUT_NAME: pwOut } })
const p = readJson(pwOut)?.stats
if (p) {
  totals.passed += p.expected + p.flaky
  totals.failed += p.unexpected
  totals.skipped += p.skipped
}
if (!p || (browser.status !== 0 && p.unexpected === 0)) totals.failed += 1

const figures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...readJson(join(dir, f)) }))
const report = formatReport(figures)
writeFileSync(join(dir, 'REPORT.md'), report)
console.log(`\n${report}`)
console.log(`${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`)
process.exit(totals.failed > 0 ? 1 : 0)
