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
