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
  /** Runs that ended in the state the issue requires (rejoined, or failed once where that is the answer). */
  recovered: number
  /** Messages lost (queued pushes that never arrived, or arrived twice: see `duplicates`). */
  dataLost: number
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
