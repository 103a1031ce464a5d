// The fault suite's figures (test-results/faults/<name>.json, one object each, written by
// packages/engine/src/faults/record.ts) as RELIABILITY.md's table.

/** @param {number | null | undefined} ms */
const time = (ms) =>
  ms === null || ms === undefined ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`

/** @param {unknown} value @returns {string} */
const show = (value) =>
  Array.isArray(value)
    ? value.map(show).join(' / ')
    : typeof value === 'number'
      ? String(Math.round(value * 100) / 100)
      : typeof value === 'object' && value !== null
        ? JSON.stringify(value)
        : String(value)

/**
 * @param {Array<{ name: string, fault?: string, runs?: number, recovered?: number, dataLost?: number | null, medianMs?: number | null, maxMs?: number | null, mode?: string, extra?: Record<string, unknown> }>} figures
 * @returns {string} a Markdown table, one row per fault (sorted by name), and the extra figures below it
 */
export function formatReport(figures) {
  const rows = figures.toSorted((a, b) => a.name.localeCompare(b.name))
  const lines = [
    '| fault | runs | recovered | data lost | time to recover (median / max) | suite |',
    '|:--|--:|--:|--:|--:|:--|',
    ...rows.map(
      (f) =>
        `| ${f.fault ?? f.name} | ${f.runs ?? '–'} | ${f.recovered ?? '–'} | ${f.dataLost ?? '–'} | ${time(f.medianMs)} / ${time(f.maxMs)} | ${f.name} (${f.mode ?? '?'}) |`,
    ),
  ]
  const extras = rows.filter((f) => f.extra && Object.keys(f.extra).length > 0)
  if (extras.length > 0) {
    lines.push('', 'Other figures:', '')
    for (const f of extras)
      lines.push(
        `- ${f.name}: ${Object.entries(f.extra ?? {})
          .map(([k, v]) => `${k} ${show(v)}`)
          .join(', ')}`,
      )
  }
  return `${lines.join('\n')}\n`
}
