// TestClock: deadline order, ties in set order, timers set while firing, no going back,
// clearTimeout, flush and pending.

import { describe, expect, test } from 'vitest'
import { TestClock } from './test-clock.ts'

/** A clock and a log of [time since start, label] for each timer that fires. */
function setup(start = 0) {
  const clock = new TestClock(start)
  const fired: Array<[number, string]> = []
  const at = (ms: number, label: string, then?: () => void) =>
    clock.setTimeout(() => {
      fired.push([clock.now() - start, label])
      then?.()
    }, ms)
  return { clock, fired, at }
}

describe('constructor', () => {
  test('starts at a fixed epoch time by default', () => {
    expect(new TestClock().now()).toBe(1_800_000_000_000)
  })

  test('starts at the given time', () => {
    expect(new TestClock(42).now()).toBe(42)
  })
})

describe('advance', () => {
  test('fires due timers in deadline order, each at its own deadline', () => {
    const { clock, fired, at } = setup()
    at(300, 'c')
    at(100, 'a')
    at(200, 'b')
    at(301, 'late')
    clock.advance(300)
    expect([fired, clock.now(), clock.pending()]).toEqual([
      [
        [100, 'a'],
        [200, 'b'],
        [300, 'c'],
      ],
      300,
      [1],
    ])
  })

  test('fires timers with the same deadline in the order they were set', () => {
    const { clock, fired, at } = setup()
    at(100, 'first')
    at(50, 'early')
    at(100, 'second')
    at(100, 'third')
    clock.advance(100)
    expect(fired).toEqual([
      [50, 'early'],
      [100, 'first'],
      [100, 'second'],
      [100, 'third'],
    ])
  })

  test('fires a timer set while firing in the same advance when it is due by then', () => {
    const { clock, fired, at } = setup()
    at(100, 'outer', () => {
      at(0, 'now')
      at(50, 'inner')
      at(500, 'too late')
    })
    at(120, 'after')
    clock.advance(200)
    expect([fired, clock.pending()]).toEqual([
      [
        [100, 'outer'],
        [100, 'now'],
        [120, 'after'],
        [150, 'inner'],
      ],
      [400],
    ])
  })

  test('keeps firing a chain of timers each set by the previous one', () => {
    const { clock, fired, at } = setup()
    const tick = (n: number) => at(10, `tick ${n}`, () => tick(n + 1))
    tick(1)
    clock.advance(35)
    expect([fired, clock.pending()]).toEqual([
      [
        [10, 'tick 1'],
        [20, 'tick 2'],
        [30, 'tick 3'],
      ],
      [5],
    ])
  })

  test('moves time to the target even when no timer is due', () => {
    const { clock } = setup(1000)
    clock.advance(250)
    expect(clock.now()).toBe(1250)
  })

  test('treats a negative delay as 0', () => {
    const { clock, fired, at } = setup()
    at(-5, 'zero')
    expect(clock.pending()).toEqual([0])
    clock.advance(0)
    expect(fired).toEqual([[0, 'zero']])
  })

  test.each([-1, Number.NaN])('refuses to advance by %s', (ms) => {
    const { clock } = setup()
    expect(() => clock.advance(ms)).toThrow(RangeError)
    expect(clock.now()).toBe(0)
  })
})

describe('set', () => {
  test('moves to an absolute time, firing what is due', () => {
    const { clock, fired, at } = setup(1000)
    at(100, 'a')
    at(300, 'b')
    clock.set(1200)
    expect([fired, clock.now()]).toEqual([[[100, 'a']], 1200])
  })

  test('refuses to go back in time', () => {
    const { clock } = setup(1000)
    clock.advance(10)
    expect(() => clock.set(1005)).toThrow('TestClock.set: time cannot go back (now 1010, asked 1005)')
    expect(clock.now()).toBe(1010)
  })

  test('accepts the current time', () => {
    const { clock } = setup(1000)
    clock.set(1000)
    expect(clock.now()).toBe(1000)
  })
})

describe('clearTimeout', () => {
  test('keeps a cleared timer from firing', () => {
    const { clock, fired, at } = setup()
    const id = at(100, 'cleared')
    at(200, 'kept')
    clock.clearTimeout(id)
    clock.advance(1000)
    expect([fired, clock.pending()]).toEqual([[[200, 'kept']], []])
  })

  test('clears a timer due in the same advance from inside another timer', () => {
    const { clock, fired, at } = setup()
    let later: ReturnType<TestClock['setTimeout']> = 0
    at(100, 'first', () => clock.clearTimeout(later))
    later = at(100, 'second')
    clock.advance(100)
    expect(fired).toEqual([[100, 'first']])
  })

  test('ignores an unknown or already fired id', () => {
    const { clock, fired, at } = setup()
    const id = at(10, 'once')
    clock.advance(10)
    clock.clearTimeout(id)
    clock.clearTimeout(999)
    clock.clearTimeout({})
    expect([fired, clock.pending()]).toEqual([[[10, 'once']], []])
  })
})

describe('flush', () => {
  test('fires timers due now without moving time', () => {
    const { clock, fired, at } = setup(500)
    at(0, 'zero')
    at(1, 'later')
    clock.flush()
    expect([fired, clock.now(), clock.pending()]).toEqual([[[0, 'zero']], 500, [1]])
  })
})

describe('pending', () => {
  test('lists deadlines soonest first, relative to now', () => {
    const { clock, at } = setup()
    at(300, 'c')
    at(100, 'a')
    at(200, 'b')
    clock.advance(50)
    expect(clock.pending()).toEqual([50, 150, 250])
  })
})
