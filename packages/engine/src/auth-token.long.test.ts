// Tokens that expire far away (issue #13): a default anon key expires years later, past what the
// platforms' setTimeout can wait (2^31−1 ms, ~24.8 days). AuthTokenManager runs on the real clock
// (clockOn) over a stand-in of the platform's timers that overflows as Node and the browsers do
// (PlatformTimers on a TestClock), and the provider calls are counted hour by hour.

import { describe, expect, test } from 'vitest'
import { AuthTokenManager } from './auth-token.ts'
import { type Clock, clockOn, type TimerId } from './clock.ts'
import { silentLogger } from './logger.ts'
import { TestClock } from './test-clock.ts'
import { PlatformTimers } from './test-support/platform-timers.ts'

const NOW = 1_800_000_000_000 // 2027-01-15
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

const jwt = (exp: number) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ role: 'anon', exp })).toString('base64url')}.c2ln`
/** An anon key as `supabase init` makes them: it expires in 2032. */
const ANON_2032 = jwt(Date.UTC(2032, 0, 1) / 1000)

const microtasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

function setup(clockFor: (time: TestClock, platform: PlatformTimers) => Clock, answer: (n: number) => string) {
  const time = new TestClock(NOW)
  const platform = new PlatformTimers(time)
  const auth = new AuthTokenManager({ clock: clockFor(time, platform), logger: silentLogger })
  /** The time of each provider call. */
  const asked: number[] = []
  auth.addProvider('tab-1', () => {
    asked.push(time.now())
    return answer(asked.length)
  })
  /** Moves time on by `ms` in steps of `step`, letting the provider's answers land between steps. */
  const run = async (ms: number, step = MINUTE) => {
    for (let t = 0; t < ms; t += step) {
      time.advance(step)
      await microtasks()
    }
  }
  /** Provider calls per hour over the `hours` after `from`. */
  const perHour = (from: number, hours: number) =>
    Array.from(
      { length: hours },
      (_, h) => asked.filter((t) => t > from + h * HOUR && t <= from + (h + 1) * HOUR).length,
    )
  return { time, platform, auth, asked, run, perHour }
}

/** The real clock on the stand-in platform. */
const real = (time: TestClock, platform: PlatformTimers) =>
  clockOn(
    () => platform,
    () => time.now(),
  )
/** What the engine had before: every delay straight to the platform. */
const uncapped = (time: TestClock, platform: PlatformTimers): Clock => ({
  now: () => time.now(),
  setTimeout: (callback, ms) => platform.setTimeout(callback, ms) as TimerId,
  clearTimeout: (id) => platform.clearTimeout(id),
})

describe('a token that expires in 2032', () => {
  test('the provider is asked once, then not again in the next 48 hours (no spin)', async () => {
    const { auth, asked, run, perHour, platform } = setup(real, () => ANON_2032)
    await auth.refresh()
    await run(48 * HOUR)
    expect({
      asks: asked.length,
      perHour: perHour(NOW, 48),
      token: auth.token,
      longestDelay: Math.max(...platform.delays),
    }).toEqual({ asks: 1, perHour: Array(48).fill(0), token: ANON_2032, longestDelay: 2 ** 31 - 1 })
  })

  test('on a clock that hands the platform the whole delay, the timer fires early (every 1 ms) but the provider is not asked: the timer re-checks exp', async () => {
    const { auth, asked, run, platform } = setup(uncapped, () => ANON_2032)
    await auth.refresh()
    await run(10_000, 10_000)
    expect({ asks: asked.length, rearmed: platform.delays.length > 5000 }).toEqual({ asks: 1, rearmed: true })
  })
})

describe('a token that expires in 40 days (past one platform timer)', () => {
  test('is refreshed once, 60 s before it expires, and not before', async () => {
    const { auth, asked, run } = setup(real, (n) => jwt(NOW / 1000 + n * 40 * 86_400))
    await auth.refresh()
    await run(41 * DAY, 10 * MINUTE)
    const refreshAt = NOW + 40 * DAY - MINUTE
    // time moves in steps of 10 minutes: the ask lands in the step that reaches refreshAt
    const late = (asked[1] ?? 0) - refreshAt
    expect({ asks: asked.length, inTheStep: late >= 0 && late < 10 * MINUTE }).toEqual({ asks: 2, inTheStep: true })
  })
})
