// `npm test`: every check and every test suite, in order, then ONE closing line
//   N passed, N failed[, N skipped]
// summing all runners (typecheck and lint count as one check each). Every step runs
// even when an earlier one failed, so one run shows everything; the exit code is
// non-zero if anything failed.
//
//   npm test                     everything
//   npm test -- --only unit,e2e  a subset (steps: typecheck lint unit faults browser e2e)
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ensureChromium } from './ensure-chromium.mjs'
import { ensurePostgres } from './ensure-postgres.mjs'

const reportDir = join(process.cwd(), 'test-results', 'reports')
rmSync(reportDir, { recursive: true, force: true })
mkdirSync(reportDir, { recursive: true })

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */

/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
function run(cmd, args, env = {}) {
  console.log(`\n── $ ${cmd} ${args.join(' ')}`)
  const started = Date.now()
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return { ok: result.status === 0, seconds: (Date.now() - started) / 1000 }
}

/** @param {string} file @returns {any} */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** A check (typecheck, lint) counts as one test. @param {string} cmd @param {string[]} args @returns {Counts} */
function check(cmd, args) {
  const { ok } = run(cmd, args)
  return { passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0 }
}

/** @param {'node' | 'faults' | 'browser'} project @returns {Counts} */
function vitest(project) {
  const out = join(reportDir, `vitest-${project}.json`)
  const { ok } = run('npx', ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`])
  const report = readJson(out)
  if (!report) return { passed: 0, failed: 1, skipped: 0 } // the runner died before reporting
  const counts = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  }
  // a suite that failed to load has no failed test but still fails the run
  if (!ok && counts.failed === 0) counts.failed = 1
  return counts
}

/** @returns {Counts} */
function playwright() {
  const out = join(reportDir, 'playwright.json')
  const { ok } = run('npx', ['playwright', 'test', '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: out })
  const stats = readJson(out)?.stats
  if (!stats) return { passed: 0, failed: 1, skipped: 0 }
  const counts = { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped }
  if (!ok && counts.failed === 0) counts.failed = 1
  return counts
}

const steps = {
  typecheck: () => check('npm', ['run', '--silent', 'typecheck']),
  lint: () => check('npm', ['run', '--silent', 'lint']),
  unit: () => vitest('node'),
  // the Node fault suite (issue #8), reduced counts; FAULTS_FULL=1 for the full ones
  faults: () => vitest('faults'),
  browser: () => vitest('browser'),
  e2e: () => playwright(),
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
  if (selected.includes('browser') || selected.includes('e2e')) browserReady = ensureChromium()
} catch (error) {
  console.error(`ensure-chromium: ${error instanceof Error ? error.message : String(error)}`)
  browserReady = false
}
// The unit step runs even without PostgreSQL: only the suites that start a cluster need it, and
// they fail with the reason (packages/server/src/test-support/postgres.ts) while the rest still count.
try {
  if (selected.includes('unit') && !ensurePostgres()) console.error('ensure-postgres: the PostgreSQL suites will fail')
} catch (error) {
  console.error(`ensure-postgres: ${error instanceof Error ? error.message : String(error)}`)
}
for (const name of selected) {
  const needsBrowser = name === 'browser' || name === 'e2e'
  if (needsBrowser && !browserReady) {
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
  console.log(`${name.padEnd(10)} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`)
}
console.log(`${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`)
process.exit(total.failed > 0 ? 1 : 0)
