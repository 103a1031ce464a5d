// Pure helpers of the benchmark runner (scripts/bench.mjs): statistics over repetitions,
// the verdict against a target, the printed table and the SVG chart. No I/O.

/** @param {number[]} values @returns {number[]} */
const sorted = (values) => values.filter((v) => Number.isFinite(v)).toSorted((a, b) => a - b)

/**
 * The p-th percentile (0–100) by linear interpolation between closest ranks; NaN for no values.
 * @param {number[]} values @param {number} p
 */
export function percentile(values, p) {
  const s = sorted(values)
  if (s.length === 0) return Number.NaN
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (s.length - 1)
  const lo = /** @type {number} */ (s[Math.floor(rank)])
  const hi = /** @type {number} */ (s[Math.ceil(rank)])
  return lo + (hi - lo) * (rank - Math.floor(rank))
}

/** @param {number[]} values */
export const median = (values) => percentile(values, 50)

/**
 * Median and spread of repeated measurements: min, max and the half-range relative to the
 * median (`spread`, 0.05 = ±5 %).
 * @param {number[]} values
 * @returns {{ median: number, min: number, max: number, spread: number, n: number, values: number[] }}
 */
export function summarize(values) {
  const s = sorted(values)
  const m = median(s)
  const min = s[0] ?? Number.NaN
  const max = s[s.length - 1] ?? Number.NaN
  const spread = s.length && m !== 0 ? (max - min) / 2 / Math.abs(m) : 0
  return { median: m, min, max, spread, n: s.length, values: [...values] }
}

/**
 * this client / realtime-js, or NaN when it has no meaning (realtime-js at 0 or missing).
 * @param {number} ours @param {number} theirs
 */
export function ratio(ours, theirs) {
  if (!Number.isFinite(ours) || !Number.isFinite(theirs) || theirs === 0) return Number.NaN
  return ours / theirs
}

/**
 * @typedef {{ kind: 'ratio-max' | 'ratio-min' | 'abs-max' | 'delta-max' | 'info', value: number, text: string }} Target
 * ratio-max: ours/theirs ≤ value; ratio-min: ours/theirs ≥ value; abs-max: ours ≤ value;
 * delta-max: ours − theirs ≤ value; info: no target (a row that explains another).
 */

/**
 * Whether `ours` meets the target against `theirs`; undefined when either is missing.
 * @param {Target} target @param {number} ours @param {number} theirs
 * @returns {boolean | undefined}
 */
export function meets(target, ours, theirs) {
  if (!Number.isFinite(ours)) return undefined
  // a hair of tolerance for floating-point noise in counts (1.0000000002 frames is 1)
  const eps = 1e-9
  switch (target.kind) {
    case 'info':
      return undefined
    case 'abs-max':
      return ours <= target.value + eps
    case 'ratio-max': {
      if (theirs === 0) return ours === 0
      const r = ratio(ours, theirs)
      return Number.isFinite(r) ? r <= target.value + eps : undefined
    }
    case 'ratio-min': {
      const r = ratio(ours, theirs)
      return Number.isFinite(r) ? r >= target.value - eps : undefined
    }
    case 'delta-max':
      return Number.isFinite(theirs) ? ours - theirs <= target.value + eps : undefined
  }
}

/**
 * A number for the table: integers as integers, else 3 significant digits (at least 2 decimals
 * below 1); NaN or undefined as "–".
 * @param {number | undefined} n
 */
export function formatNumber(n) {
  if (n === undefined || !Number.isFinite(n)) return '–'
  if (Number.isInteger(n) && Math.abs(n) < 1e7) return String(n)
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(n).toString()
  if (abs >= 100) return n.toFixed(0)
  if (abs >= 10) return n.toFixed(1)
  if (abs >= 1) return n.toFixed(2)
  return n.toFixed(abs >= 0.01 ? 2 : 3)
}

/**
 * A measured cell: the median, and ±spread when the repetitions differ.
 * @param {{ median: number, spread: number, n: number } | undefined} s
 */
export function formatCell(s) {
  if (!s) return '–'
  const value = formatNumber(s.median)
  if (s.n < 2 || !Number.isFinite(s.median) || s.spread < 0.005) return value
  return `${value} ±${Math.round(s.spread * 100)}%`
}

/** @typedef {{ median: number, spread: number, n: number }} Cell */
/**
 * A row: realtime-js, this client (shared-worker host), its page and leader hosts, the SharedWorker floor (the
 * least a client with its socket in a SharedWorker does: apps/bench/src/floor.ts), and the dev server's CPU ms per
 * 10k messages beside rows that carry traffic (realtime-js, this client).
 * @typedef {{ scenario: string, theirs?: Cell, ours?: Cell, page?: Cell, leader?: Cell, floor?: Cell,
 *   server?: { theirs: Cell, ours: Cell }, target: Target }} Row
 */

/**
 * The printed table, as aligned plain-text columns (also valid Markdown).
 * @param {Row[]} rows
 * @returns {string}
 */
export function formatTable(rows) {
  const header = [
    'scenario',
    'realtime-js',
    'this client',
    'ratio',
    'page host',
    'leader host',
    'SharedWorker floor',
    'server CPU ms/10k',
    'target',
    'met',
  ]
  const body = rows.map((row) => {
    const ours = row.ours?.median ?? Number.NaN
    const theirs = row.theirs?.median ?? Number.NaN
    const r = ratio(ours, theirs)
    const met = meets(row.target, ours, theirs)
    return [
      row.scenario,
      formatCell(row.theirs),
      formatCell(row.ours),
      Number.isFinite(r) ? `${formatNumber(r)}×` : '–',
      formatCell(row.page),
      row.leader && row.leader.n === 0 ? 'pending' : formatCell(row.leader),
      formatCell(row.floor),
      row.server ? `${formatNumber(row.server.theirs.median)} → ${formatNumber(row.server.ours.median)}` : '–',
      row.target.text,
      row.target.kind === 'info' ? '–' : met === undefined ? '?' : met ? 'yes' : 'NO',
    ]
  })
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? '').length)))
  /** @param {string[]} cells */
  const line = (cells) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`
  return [line(header), rule, ...body.map(line)].join('\n')
}

/** @param {string} s */
const escapeXml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/**
 * A horizontal bar chart of the ratios (this client / realtime-js) on a log scale, 1× marked,
 * one bar per row that has a ratio; green where the target is met, red where not.
 * @param {Row[]} rows @param {{ title: string }} options
 * @returns {string} an SVG document
 */
export function renderChart(rows, { title }) {
  const bars = rows
    .map((row) => {
      const ours = row.ours?.median ?? Number.NaN
      const theirs = row.theirs?.median ?? Number.NaN
      return { row, r: ratio(ours, theirs), met: meets(row.target, ours, theirs) }
    })
    .filter((b) => Number.isFinite(b.r))
  const labelWidth = 330
  const plotWidth = 420
  const rowHeight = 24
  const top = 48
  const height = top + bars.length * rowHeight + 40
  const width = labelWidth + plotWidth + 90
  // log2 axis from 1/64 to 64; a ratio of 0 is drawn at the left edge
  const minLog = -6
  const maxLog = 6
  /** @param {number} r */
  const x = (r) =>
    labelWidth +
    ((Math.min(maxLog, Math.max(minLog, r > 0 ? Math.log2(r) : minLog)) - minLog) / (maxLog - minLog)) * plotWidth
  const one = x(1)
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="38" fill="#555">this client ÷ realtime-js (log scale; left of 1× is less, green = target met)</text>`,
  ]
  for (const tick of [1 / 64, 1 / 16, 1 / 4, 1, 4, 16, 64]) {
    const tx = x(tick)
    parts.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 32}" stroke="${tick === 1 ? '#000' : '#ddd'}"/>`,
    )
    parts.push(
      `<text x="${tx}" y="${height - 18}" text-anchor="middle" fill="#555">${tick >= 1 ? tick : `1/${1 / tick}`}×</text>`,
    )
  }
  bars.forEach(({ row, r, met }, i) => {
    const y = top + i * rowHeight
    const bx = x(r)
    const color = met === undefined ? '#999' : met ? '#2a9d4b' : '#d1495b'
    parts.push(`<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(row.scenario)}</text>`)
    parts.push(
      `<rect x="${Math.min(bx, one)}" y="${y + 4}" width="${Math.max(1, Math.abs(bx - one))}" height="${rowHeight - 8}" fill="${color}"/>`,
    )
    parts.push(`<text x="${Math.max(bx, one) + 4}" y="${y + 15}">${escapeXml(`${formatNumber(r)}×`)}</text>`)
  })
  parts.push('</svg>')
  return parts.join('\n')
}
