// What the worker link remembers of setAuth (memory.ts): a token the worker refused is never replayed.
import { expect, test } from 'vitest'
import { TabMemory } from './memory.ts'

const tokenCalls = (memory: TabMemory) => memory.calls().filter((call) => call.name === 'setAuth')

test('a refused setAuth is undone: the token before it is what a new worker is given', () => {
  const memory = new TabMemory()
  memory.remember({ name: 'setAuth', args: ['good'] })
  const undo = memory.remember({ name: 'setAuth', args: ['forged'] })
  expect(tokenCalls(memory)).toEqual([{ name: 'setAuth', args: ['forged'] }])
  undo() // the worker answered token-refused
  expect(tokenCalls(memory)).toEqual([{ name: 'setAuth', args: ['good'] }])
})

test('a refused first setAuth leaves no token to replay', () => {
  const memory = new TabMemory()
  memory.remember({ name: 'setAuth', args: ['forged'] })()
  expect(tokenCalls(memory)).toEqual([])
})

test("the token goes before the tab's provider, which then has the last word (realtime-js 2.112.1)", () => {
  const memory = new TabMemory()
  const provider = async () => 'from-callback'
  memory.remember({ name: 'setTokenProvider', args: [provider] })
  memory.remember({ name: 'subscribe', args: ['s', 'realtime:room', { config: {}, postgres: [], presence: false }] })
  memory.remember({ name: 'setAuth', args: ['explicit'] })
  expect(memory.calls().map((call) => call.name)).toEqual(['setAuth', 'setTokenProvider', 'subscribe'])
})

test('a sign-out (setAuth() asking the callback again) leaves no token to replay to a new worker', () => {
  const memory = new TabMemory()
  memory.remember({ name: 'setTokenProvider', args: [async () => null] })
  memory.remember({ name: 'setAuth', args: ['user-token'] })
  memory.remember({ name: 'setAuth', args: [null] })
  expect(tokenCalls(memory)).toEqual([])
})
