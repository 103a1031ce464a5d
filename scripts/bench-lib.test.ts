// The benchmark runner's pure helpers (scripts/bench-lib.mjs) and the bench page's receiver.
import { describe, expect, test } from 'vitest'
import { Receiver } from '../apps/bench/src/receiver.ts'
import {
  formatCell,
  formatNumber,
  formatTable,
  meets,
  median,
  percentile,
  ratio,
  renderChart,
  summarize,
} from './bench-lib.mjs'

describe('statistics', () => {
  test('percentile interpolates between closest ranks and ignores non-numbers', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5)
    expect(percentile([4, 1, 3, 2], 0)).toBe(1)
    expect(percentile([4, 1, 3, 2], 100)).toBe(4)
    expect(percentile([10, 20], 99)).toBeCloseTo(19.9)
    expect(percentile([Number.NaN, 5], 50)).toBe(5)
    expect(percentile([], 50)).toBeNaN()
    expect(median([3, 1, 2])).toBe(2)
  })

  test('summarize gives the median, the range and the half-range over the median', () => {
    expect(summarize([10, 12, 8])).toEqual({ median: 10, min: 8, max: 12, spread: 0.2, n: 3, values: [10, 12, 8] })
    expect(summarize([0, 0])).toMatchObject({ median: 0, spread: 0 })
    expect(summarize([])).toMatchObject({ n: 0, median: Number.NaN })
  })

  test('ratio is NaN when realtime-js measured 0 or nothing', () => {
    expect(ratio(1, 10)).toBe(0.1)
    expect(ratio(1, 0)).toBeNaN()
    expect(ratio(Number.NaN, 1)).toBeNaN()
  })
})

describe('targets', () => {
  test('each kind of target', () => {
    expect(meets({ kind: 'abs-max', value: 1, text: '' }, 1, 10)).toBe(true)
    expect(meets({ kind: 'abs-max', value: 5, text: '' }, 5.1, 10)).toBe(false)
    expect(meets({ kind: 'ratio-max', value: 0.6, text: '' }, 6, 10)).toBe(true)
    expect(meets({ kind: 'ratio-max', value: 0.6, text: '' }, 7, 10)).toBe(false)
    expect(meets({ kind: 'ratio-max', value: 0.5, text: '' }, 0, 0)).toBe(true)
    expect(meets({ kind: 'ratio-min', value: 3, text: '' }, 30, 10)).toBe(true)
    expect(meets({ kind: 'ratio-min', value: 3, text: '' }, 29, 10)).toBe(false)
    expect(meets({ kind: 'delta-max', value: 0.1, text: '' }, 0.35, 0.3)).toBe(true)
    expect(meets({ kind: 'delta-max', value: 0.1, text: '' }, 0.45, 0.3)).toBe(false)
    expect(meets({ kind: 'delta-max', value: 0.1, text: '' }, Number.NaN, 0.3)).toBeUndefined()
  })
})

describe('formatting', () => {
  test('numbers: integers as they are, else about 3 significant digits', () => {
    expect([
      formatNumber(10),
      formatNumber(1043.4),
      formatNumber(12.34),
      formatNumber(3.456),
      formatNumber(0.2849),
      formatNumber(0.0042),
      formatNumber(Number.NaN),
    ]).toEqual(['10', '1043', '12.3', '3.46', '0.28', '0.004', '–'])
  })

  test('cells show the spread only when repetitions differ', () => {
    expect(formatCell(summarize([10, 12, 8]))).toBe('10 ±20%')
    expect(formatCell(summarize([1, 1]))).toBe('1')
    expect(formatCell(summarize([7]))).toBe('7')
    expect(formatCell(undefined)).toBe('–')
  })

  test('the table has a header, a Markdown rule and one aligned line per row', () => {
    const table = formatTable([
      {
        scenario: 'sockets, 10 tabs',
        theirs: summarize([10]),
        ours: summarize([1]),
        target: { kind: 'abs-max', value: 1, text: '1' },
      },
      {
        scenario: 'CPU ms',
        theirs: summarize([100]),
        ours: summarize([70]),
        page: summarize([90]),
        leader: summarize([]),
        server: { theirs: summarize([300]), ours: summarize([30]) },
        target: { kind: 'ratio-max', value: 0.6, text: '≤ 0.6×' },
      },
      { scenario: 'attached only', ours: summarize([2]), target: { kind: 'abs-max', value: 5, text: '≤ 5 ms' } },
      {
        scenario: 'explains',
        theirs: summarize([4]),
        ours: summarize([2]),
        target: { kind: 'info', value: 0, text: 'info' },
      },
    ])
    const lines = table.split('\n')
    expect(lines).toHaveLength(6)
    expect(lines[0]).toMatch(
      /^\| scenario\s+\| realtime-js \| this client \| ratio \| page host \| leader host \| SharedWorker floor \| server CPU ms\/10k \| target \| met \|$/,
    )
    expect(lines[1]).toMatch(/^\|:-+\|-+:\|/)
    expect(lines[2]).toMatch(
      /\| sockets, 10 tabs\s+\|\s+10 \|\s+1 \| 0\.10× \|\s+– \|\s+– \|\s+– \|\s+– \|\s+1 \| yes \|$/,
    )
    // a leader column with no values (the host failed or is not built yet) says so
    expect(lines[3]).toMatch(/\|\s+70 \| 0\.70× \|\s+90 \|\s+pending \|\s+– \|\s+300 → 30 \| ≤ 0\.6× \|  NO \|$/)
    expect(lines[4]).toMatch(/\|\s+– \|\s+2 \|\s+– \|\s+– \|\s+– \|\s+– \|\s+– \| ≤ 5 ms \| yes \|$/)
    expect(lines[5]).toMatch(/\| 0\.50× \|.*\|\s+info \|\s+– \|$/)
    expect(new Set(lines.map((l) => l.length)).size).toBe(1)
  })

  test('the chart is an SVG with one bar per row that has a ratio', () => {
    const svg = renderChart(
      [
        {
          scenario: 'a <b>',
          theirs: summarize([10]),
          ours: summarize([1]),
          target: { kind: 'abs-max', value: 1, text: '1' },
        },
        { scenario: 'only ours', ours: summarize([1]), target: { kind: 'abs-max', value: 1, text: '1' } },
      ],
      { title: 'test' },
    )
    expect(svg.startsWith('<svg')).toBe(true)
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true)
    expect(svg).toContain('a &lt;b&gt;')
    expect(svg).not.toContain('only ours')
    expect(svg.match(/fill="#2a9d4b"/g)).toHaveLength(1)
  })
})

describe('the bench page receiver', () => {
  test('counts, records latencies on its clock and counts sequence gaps', async () => {
    let clock = 100
    const receiver = new Receiver(() => clock)
    receiver.reset(2)
    const waiting = receiver.waitFor(3, 60_000)
    receiver.onMessage({ payload: { seq: 0, t: 99 } })
    clock = 110
    receiver.onMessage({ payload: { seq: 1, t: 105 } })
    receiver.onMessage({ payload: { seq: 3, t: 106 } }) // 2 is missing
    expect(await waiting).toEqual({ received: 3, gaps: 1, firstAt: 100, lastAt: 110 })
    expect(receiver.latencies()).toEqual([1, 5]) // capacity 2
    receiver.reset(4)
    expect(receiver.summary()).toEqual({ received: 0, gaps: 0, firstAt: 0, lastAt: 0 })
    expect(await receiver.waitFor(0, 60_000)).toMatchObject({ received: 0 })
  })
})
