// Figures of the fault suite (issue #8): each fault test writes one JSON line to
// test-results/faults/<name>.json, which the RELIABILITY.md report is built from. Times are
// figures only; what a test asserts is behaviour. FAULTS_FULL=1 selects the full counts.

import { mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const FULL = process.env.FAULTS_FULL === '1'

/** `reduced` runs in the reduced suite (`npm test`), `full` with FAULTS_FULL=1. */
export const runs = (reduced: number, full: number): number => (FULL ? full : reduced)

export interface FaultFigures {
  /** What is injected, as the report's row names it. */
  fault: string
  runs: number
  /**
   * Runs that ended in the state the issue requires (rejoined, or failed once where that is the answer), counted
   * before anything is asserted (see `eachRun`), so a run that failed shows as 9 of 10.
   */
  recovered: number
  /**
   * Messages lost (queued pushes that never arrived, or arrived twice: see `duplicates`), counted from what the test
   * sent and saw; `null` (shown "–") where no data flows through the fault, so nothing could be lost.
   */
  dataLost: number | null
  /** Per run, from the injection to the moment every required property held (wall clock, ms). */
  recoverMs: number[]
  /** Anything else worth reporting (counts, backoff delays, settings). */
  extra?: Record<string, unknown>
}

const DIR = fileURLToPath(new URL('../../../test-results/faults/', import.meta.url))

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null
  const s = xs.toSorted((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid]! : Math.round((s[mid - 1]! + s[mid]!) / 2)
}

/** Writes `figures` as test-results/faults/<name>.json (one line), adding mode, median and max. */
export function recordFault(name: string, figures: FaultFigures): void {
  mkdirSync(DIR, { recursive: true })
  const recoverMs = figures.recoverMs.map((ms) => Math.round(ms))
  const line = {
    ...figures,
    recoverMs,
    medianMs: median(recoverMs),
    maxMs: recoverMs.length ? Math.max(...recoverMs) : null,
    mode: FULL ? 'full' : 'reduced',
    at: new Date().toISOString(),
  }
  writeFileSync(`${DIR}${name}.json`, `${JSON.stringify(line)}\n`)
}

export interface RunOutcome {
  runs: number
  /** Runs whose body returned without throwing. */
  recovered: number
  failures: Array<{ run: number; error: unknown }>
}

/**
 * Runs `body` for runs 0 … n-1. A run that throws (a failed assertion) is counted as not recovered and the next run
 * still runs, so the figures recorded afterwards can show 9 of 10; `throwFailures` then fails the test.
 */
export async function eachRun(n: number, body: (run: number) => Promise<void>): Promise<RunOutcome> {
  const failures: RunOutcome['failures'] = []
  for (let run = 0; run < n; run++) {
    try {
      await body(run)
    } catch (error) {
      failures.push({ run, error })
    }
  }
  return { runs: n, recovered: n - failures.length, failures }
}

/** Throws the first failure of `outcome` (call it after recordFault), saying how many runs failed. */
export function throwFailures(outcome: RunOutcome): void {
  const first = outcome.failures[0]
  if (!first) return
  const error = first.error instanceof Error ? first.error : new Error(String(first.error))
  error.message = `${outcome.failures.length} of ${outcome.runs} runs failed (figures recorded); run ${first.run}: ${error.message}`
  throw error
}
