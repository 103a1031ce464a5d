// `npm run test:faults`: the fault and load suite of issue #8 at full size, then its figures.
//   npm run test:faults               full counts (FAULTS_FULL=1): restarts ×20, 30 s offline, 20 tabs × 20 channels …
//   npm run test:faults -- --reduced  the reduced counts `npm test` runs
// Runs the Node fault tests (Vitest project "faults") and the browser ones (Playwright,
// e2e/faults/), each writing its figures to test-results/faults/<name>.json; prints them as
// the table RELIABILITY.md holds (also written to test-results/faults/REPORT.md), then the
// closing line `N passed, N failed[, N skipped]`.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureChromium } from './ensure-chromium.mjs'
import { formatReport } from './faults-report.mjs'
import { closingLine, playwright, readJson, vitest } from './runners.mjs'

const reduced = process.argv.includes('--reduced')
/** @type {Record<string, string>} */
const env = reduced ? {} : { FAULTS_FULL: '1' }
const dir = join(process.cwd(), 'test-results', 'faults')
const reports = join(process.cwd(), 'test-results', 'reports')
rmSync(dir, { recursive: true, force: true })
mkdirSync(dir, { recursive: true })
mkdirSync(reports, { recursive: true })
ensureChromium()

console.log(`fault suite, ${reduced ? 'reduced' : 'full'} counts`)
const total = { passed: 0, failed: 0, skipped: 0 }
for (const counts of [vitest(reports, 'faults', env), playwright(reports, ['e2e/faults'], env)]) {
  total.passed += counts.passed
  total.failed += counts.failed
  total.skipped += counts.skipped
}

const figures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...readJson(join(dir, f)) }))
const report = formatReport(figures)
writeFileSync(join(dir, 'REPORT.md'), report)
console.log(`\n${report}`)
console.log(closingLine(total))
process.exit(total.failed > 0 ? 1 : 0)
