import { expect, test } from 'vitest'
import { formatReport } from './faults-report.mjs'

test('one row per fault, sorted, with median/max times and the extra figures under the table', () => {
  const report = formatReport([
    {
      name: 'b-load',
      fault: 'load',
      runs: 1,
      recovered: 1,
      dataLost: 0,
      medianMs: null,
      maxMs: null,
      mode: 'full',
      extra: { p99: [4.21, 5], kinds: { bytes: 3 } },
    },
    {
      name: 'a-restart',
      fault: 'restart ×20',
      runs: 20,
      recovered: 19,
      dataLost: 2,
      medianMs: 1409,
      maxMs: 12_345,
      mode: 'reduced',
    },
  ])
  const lines = report.trim().split('\n')
  expect(lines[2]).toBe('| restart ×20 | 20 | 19 | 2 | 1409 ms / 12.3 s | a-restart (reduced) |')
  expect(lines[3]).toBe('| load | 1 | 1 | 0 | – / – | b-load (full) |')
  expect(report).toContain('- b-load: p99 4.21 / 5, kinds {"bytes":3}')
})

test('a row where no data flows (dataLost null) shows "–", and a failed run shows as recovered < runs', () => {
  const report = formatReport([
    {
      name: 'token',
      fault: 'token expiry',
      runs: 10,
      recovered: 9,
      dataLost: null,
      medianMs: 7,
      maxMs: 57,
      mode: 'full',
    },
  ])
  expect(report.trim().split('\n')[2]).toBe('| token expiry | 10 | 9 | – | 7 ms / 57 ms | token (full) |')
})
