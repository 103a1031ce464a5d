// The test runners as `npm test` (scripts/test.mjs) and `npm run test:faults` (scripts/faults.mjs)
// run them: each prints its own output and is counted from its JSON report. A runner that
// failed without a failed test (a suite that did not load, a crash) still counts as one failure.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** @typedef {{ passed: number, failed: number, skipped: number }} Counts */

/** @param {string} cmd @param {string[]} args @param {Record<string, string>} [env] */
export function run(cmd, args, env = {}) {
  console.log(`\n── $ ${cmd} ${args.join(' ')}`)
  const started = Date.now()
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  return { ok: result.status === 0, seconds: (Date.now() - started) / 1000 }
}

/** @param {string} file @returns {any} */
export function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

/** A Vitest project. @param {string} reportDir @param {string} project @param {Record<string, string>} [env] @returns {Counts} */
export function vitest(reportDir, project, env = {}) {
  const out = join(reportDir, `vitest-${project}.json`)
  const { ok } = run(
    'npx',
    ['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`],
    env,
  )
  const report = readJson(out)
  if (!report) return { passed: 0, failed: 1, skipped: 0 } // the runner died before reporting
  const counts = {
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  }
  if (!ok && counts.failed === 0) counts.failed = 1
  return counts
}

/** Playwright, on `paths` (all of e2e/ when empty). @param {string} reportDir @param {string[]} [paths] @param {Record<string, string>} [env] @returns {Counts} */
export function playwright(reportDir, paths = [], env = {}) {
  const out = join(reportDir, `playwright${paths.length ? `-${paths.join('-').replaceAll('/', '_')}` : ''}.json`)
  const { ok } = run('npx', ['playwright', 'test', ...paths, '--reporter=list,json'], {
    ...env,
    PLAYWRIGHT_JSON_OUTPUT_NAME: out,
  })
  const stats = readJson(out)?.stats
  if (!stats) return { passed: 0, failed: 1, skipped: 0 }
  const counts = { passed: stats.expected + stats.flaky, failed: stats.unexpected, skipped: stats.skipped }
  if (!ok && counts.failed === 0) counts.failed = 1
  return counts
}

/** The closing line. @param {Counts} total */
export const closingLine = (total) =>
  `${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`
