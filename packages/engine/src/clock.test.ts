// The real clock (clockOn) on a stand-in of the platform's timers that overflows as Node and the
// browsers do: a delay over 2^31−1 ms goes out in steps of at most 2^31−1, and the callback runs
// at its deadline, never before; clearing such a timer clears the step that is running.

import { describe, expect, test } from 'vitest'
import { clockOn, MAX_TIMER_MS } from './clock.ts'
import { TestClock } from './test-clock.ts'
import { PlatformTimers } from './test-support/platform-timers.ts'

const DAY = 86_400_000

function setup() {
  const time = new TestClock(0)
  const platform = new PlatformTimers(time)
  const clock = clockOn(
    () => platform,
    () => time.now(),
  )
  const fired: number[] = []
  const at = (ms: number) => clock.setTimeout(() => fired.push(time.now()), ms)
  return { time, platform, clock, fired, at }
}

describe('clockOn (the real clock)', () => {
  test('a delay up to 2^31−1 ms goes to the platform as it is', () => {
    const { time, platform, fired, at } = setup()
    at(1500)
    at(MAX_TIMER_MS)
    time.advance(MAX_TIMER_MS)
    expect({ delays: platform.delays, fired }).toEqual({ delays: [1500, MAX_TIMER_MS], fired: [1500, MAX_TIMER_MS] })
  })

  test('a longer delay is passed as 2^31−1, re-armed with what is left, and fires at its deadline, not before', () => {
    const { time, platform, fired, at } = setup()
    const ms = 60 * DAY // a token's refresh timer ~two months away
    at(ms)
    time.advance(MAX_TIMER_MS)
    const afterFirstStep = [...fired]
    time.advance(ms - MAX_TIMER_MS - 1)
    const justBefore = [...fired]
    time.advance(1)
    expect({ afterFirstStep, justBefore, fired, delays: platform.delays }).toEqual({
      afterFirstStep: [],
      justBefore: [],
      fired: [ms],
      delays: [MAX_TIMER_MS, MAX_TIMER_MS, ms - 2 * MAX_TIMER_MS],
    })
  })

  test('clearTimeout of a long timer stops it in whichever step it is', () => {
    const { time, clock, fired, at } = setup()
    const id = at(30 * DAY)
    time.advance(MAX_TIMER_MS + 1)
    clock.clearTimeout(id)
    time.advance(365 * DAY)
    expect([fired, time.pending()]).toEqual([[], []])
  })

  test('Infinity never fires (steps of 2^31−1 forever); negative and NaN delays are 0', () => {
    const { time, platform, fired, at } = setup()
    at(Infinity)
    at(-5)
    at(Number.NaN)
    time.advance(10 * MAX_TIMER_MS)
    expect({
      fired,
      steps: platform.delays.filter((d) => d === MAX_TIMER_MS).length,
      zeros: platform.delays.slice(1, 3),
    }).toEqual({ fired: [0, 0], steps: 11, zeros: [0, 0] })
  })
})
