// The logger builds a line only when its level prints it (issue #16: a debug line stringified every frame).
import { describe, expect, test } from 'vitest'
import { createLogger } from './log.ts'

describe('createLogger', () => {
  test('a function message is called only at a level that prints it', () => {
    const lines: string[] = []
    const log = createLogger('info', (line) => lines.push(line))
    let built = 0
    const message = () => `built ${++built}`
    log.debug(message)
    expect(built).toBe(0)
    log.info(message)
    expect(built).toBe(1)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/ info  built 1$/)
    expect([log.enabled('debug'), log.enabled('info')]).toEqual([false, true])
  })

  test('a message function that throws logs why instead of throwing', () => {
    const lines: string[] = []
    const log = createLogger('debug', (line) => lines.push(line))
    const deep: unknown[] = []
    let at = deep
    for (let i = 0; i < 100_000; i++) at = (at[0] = []) as unknown[]
    expect(() => log.debug(() => JSON.stringify(deep))).not.toThrow()
    expect(lines[0]).toMatch(/\(log line failed: Maximum call stack size exceeded\)/)
  })
})
