// The generic driver: commit first, then effects in order; events from inside effects queued;
// timers on the injected clock; a throwing effect neither stops the queue nor hides its error.
import { describe, expect, test } from 'vitest'
import { TestClock } from '../test-clock.ts'
import { Driver } from './driver.ts'

type State = { name: 'idle' } | { name: 'waiting'; n: number } | { name: 'done'; n: number }
type Event = { type: 'go' } | { type: 'due' } | { type: 'stop' }
type Effect =
  | { type: 'log'; text: string }
  | { type: 'start-timer'; timer: 'wait'; ms: number }
  | { type: 'cancel-timer'; timer: 'wait' }

function transition(s: State, e: Event, ctx: { now: number }): [State, Effect[]] {
  if (e.type === 'go' && s.name === 'idle')
    return [
      { name: 'waiting', n: 1 },
      [
        { type: 'log', text: `go@${ctx.now}` },
        { type: 'start-timer', timer: 'wait', ms: 100 },
      ],
    ]
  if (e.type === 'due' && s.name === 'waiting')
    return [{ name: 'done', n: s.n }, [{ type: 'log', text: `due@${ctx.now}` }]]
  if (e.type === 'stop' && s.name === 'waiting')
    return [
      { name: 'idle' },
      [
        { type: 'cancel-timer', timer: 'wait' },
        { type: 'log', text: 'stopped' },
      ],
    ]
  return [s, []]
}

function machine(
  clock: TestClock,
  perform: (
    effect: Extract<Effect, { type: 'log' }>,
    next: State,
    d: () => Driver<State, Event, { now: number }, Effect>,
  ) => void = () => {},
) {
  const log: string[] = []
  const changes: string[] = []
  const driver: Driver<State, Event, { now: number }, Effect> = new Driver({
    initial: { name: 'idle' } as State,
    transition,
    context: () => ({ now: clock.now() }),
    perform: (effect, next) => {
      log.push(`${effect.text} in ${next.name}`)
      perform(effect, next, () => driver)
    },
    timers: { clock, fired: () => ({ type: 'due' }) },
    changed: (next, previous) => changes.push(`${previous.name}→${next.name}`),
  })
  return { driver, log, changes }
}

describe('Driver', () => {
  test('commits the state before the effects run, and fires timers through the clock', () => {
    const clock = new TestClock(0)
    const { driver, log, changes } = machine(clock)
    driver.dispatch({ type: 'go' })
    expect([driver.state, clock.pending()]).toEqual([{ name: 'waiting', n: 1 }, [100]])
    clock.advance(100)
    expect([driver.state, log, changes]).toEqual([
      { name: 'done', n: 1 },
      ['go@0 in waiting', 'due@100 in done'],
      ['idle→waiting', 'waiting→done'],
    ])
  })

  test('a cancelled timer never fires, and a no-op transition is not a change', () => {
    const clock = new TestClock(0)
    const { driver, log, changes } = machine(clock)
    driver.dispatch({ type: 'go' })
    driver.dispatch({ type: 'stop' })
    driver.dispatch({ type: 'due' })
    clock.advance(1000)
    expect([driver.state, log, changes, clock.pending()]).toEqual([
      { name: 'idle' },
      ['go@0 in waiting', 'stopped in idle'],
      ['idle→waiting', 'waiting→idle'],
      [],
    ])
  })

  test('an event dispatched by an effect waits until the effects of the current one have run', () => {
    const clock = new TestClock(0)
    const { driver, log } = machine(clock, (effect, _next, d) => {
      if (effect.text.startsWith('go')) d().dispatch({ type: 'stop' })
    })
    driver.dispatch({ type: 'go' })
    // 'stop' ran after go's start-timer, so it cancelled that timer
    expect([driver.state, log, clock.pending()]).toEqual([{ name: 'idle' }, ['go@0 in waiting', 'stopped in idle'], []])
  })

  test('a throwing effect does not stop the queued events, and its error reaches the caller', () => {
    const clock = new TestClock(0)
    const { driver, log } = machine(clock, (effect, _next, d) => {
      if (effect.text.startsWith('go')) {
        d().dispatch({ type: 'stop' })
        throw new Error('boom')
      }
    })
    expect(() => driver.dispatch({ type: 'go' })).toThrow('boom')
    expect([driver.state, log]).toEqual([{ name: 'idle' }, ['go@0 in waiting', 'stopped in idle']])
  })

  test('stopTimers disarms every timer and keeps the state', () => {
    const clock = new TestClock(0)
    const { driver } = machine(clock)
    driver.dispatch({ type: 'go' })
    driver.stopTimers()
    clock.advance(1000)
    expect([driver.state, clock.pending()]).toEqual([{ name: 'waiting', n: 1 }, []])
  })

  test('drained runs once per outermost dispatch, after the events the effects queued', () => {
    const clock = new TestClock(0)
    const rests: string[] = []
    const driver: Driver<State, Event, { now: number }, Effect> = new Driver({
      initial: { name: 'idle' } as State,
      transition,
      context: () => ({ now: clock.now() }),
      perform: (effect) => {
        if (effect.text.startsWith('go')) driver.dispatch({ type: 'stop' })
      },
      timers: { clock, fired: () => ({ type: 'due' }) },
      drained: (state) => rests.push(state.name),
    })
    driver.dispatch({ type: 'go' })
    driver.dispatch({ type: 'due' })
    expect(rests).toEqual(['idle', 'idle'])
  })

  test('drained runs even when an effect threw, before the error reaches the caller', () => {
    const clock = new TestClock(0)
    const rests: string[] = []
    const driver = new Driver<State, Event, { now: number }, Effect>({
      initial: { name: 'idle' },
      transition,
      context: () => ({ now: clock.now() }),
      perform: () => {
        throw new Error('boom')
      },
      timers: { clock, fired: () => ({ type: 'due' }) },
      drained: (state) => rests.push(state.name),
    })
    expect(() => driver.dispatch({ type: 'go' })).toThrow('boom')
    expect(rests).toEqual(['waiting'])
  })

  test('a timer effect without a clock is a programming error, named', () => {
    const driver = new Driver<State, Event, { now: number }, Effect>({
      initial: { name: 'idle' },
      transition,
      context: () => ({ now: 0 }),
    })
    expect(() => driver.dispatch({ type: 'go' })).toThrow(/start-timer.*no clock/)
  })
})
