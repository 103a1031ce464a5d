// eachRun and throwFailures: a failed run is counted, the next still runs, and the test fails only after the
// figures could be recorded.
import { expect, test } from 'vitest'
import { eachRun, throwFailures } from './record.ts'

test('a run that throws counts as not recovered, the next runs still run, and throwFailures says how many failed', async () => {
  const ran: number[] = []
  const outcome = await eachRun(10, async (run) => {
    ran.push(run)
    if (run === 3) throw new Error('run 3 broke')
  })
  expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  expect(outcome.recovered).toBe(9)
  expect(outcome.runs).toBe(10)
  expect(() => throwFailures(outcome)).toThrow('1 of 10 runs failed (figures recorded); run 3: run 3 broke')
})

test('throwFailures is silent when every run passed', async () => {
  const outcome = await eachRun(3, async () => {})
  expect(outcome).toEqual({ runs: 3, recovered: 3, failures: [] })
  expect(() => throwFailures(outcome)).not.toThrow()
})
