// StatusStream: listeners and iterators start with the current value when there is one (decision 64).
import { expect, test } from 'vitest'
import { StatusStream } from './status-stream.ts'

test('without a current value, a listener hears only what is pushed after it registered', () => {
  const stream = new StatusStream<string>()
  const heard: string[] = []
  stream.listen((v) => heard.push(v))
  expect(heard).toEqual([])
  stream.push('a')
  expect(heard).toEqual(['a'])
})

test('with a current value, a listener hears it during listen(), then each push; unsubscribing stops it', () => {
  let current: string | undefined
  const stream = new StatusStream<string>(() => current)
  const early: string[] = []
  stream.listen((v) => early.push(v))
  expect(early).toEqual([]) // nothing known yet
  current = 'connected'
  stream.push('connected')
  const late: string[] = []
  const stop = stream.listen((v) => late.push(v))
  expect(late).toEqual(['connected'])
  stream.push('reconnecting')
  stop()
  stream.push('connected')
  expect({ early, late }).toEqual({
    early: ['connected', 'reconnecting', 'connected'],
    late: ['connected', 'reconnecting'],
  })
})

test('an iterator starts with the current value, then yields the pushes in order', async () => {
  const stream = new StatusStream<number>(() => 1)
  const it = stream[Symbol.asyncIterator]()
  stream.push(2)
  expect([await it.next(), await it.next()]).toEqual([
    { done: false, value: 1 },
    { done: false, value: 2 },
  ])
  await it.return?.()
})

test('a listener that throws on the current value is reported later, and still registered', async () => {
  const stream = new StatusStream<string>(() => 'now')
  const heard: string[] = []
  const thrown = new Promise<unknown>((resolve) => process.once('uncaughtException', resolve))
  stream.listen((v) => {
    heard.push(v)
    if (v === 'now') throw new Error('boom')
  })
  expect(String(await thrown)).toContain('boom')
  stream.push('next')
  expect(heard).toEqual(['now', 'next'])
})
