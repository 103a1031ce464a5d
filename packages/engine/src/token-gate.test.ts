// The token gate over a real AuthTokenManager: settling while any request it was given (or the
// manager's own) is in flight, settled — and said so once — when all are over.

import { describe, expect, test } from 'vitest'
import { AuthTokenManager } from './auth-token.ts'
import { silentLogger, TestLogSink } from './logger.ts'
import { TestClock } from './test-clock.ts'
import { TokenGate } from './token-gate.ts'

const microtasks = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve()
}

function setup() {
  const auth = new AuthTokenManager({ clock: new TestClock(), logger: silentLogger })
  const logger = new TestLogSink()
  let settled = 0
  const gate = new TokenGate(auth, logger, () => settled++)
  return { auth, gate, logger, settled: () => settled }
}

describe('TokenGate', () => {
  test('starts settled', () => {
    expect(setup().gate.state).toEqual({ name: 'settled' })
  })

  test('stays settling until every request is over and nothing is in flight, then says so once', async () => {
    const { auth, gate, settled } = setup()
    let answer!: (token: string) => void
    auth.addProvider('tab', () => new Promise<string>((resolve) => (answer = resolve)))
    let first!: () => void
    gate.settle(new Promise<void>((resolve) => (first = resolve)))
    gate.settle(auth.refresh())
    expect(gate.state).toEqual({ name: 'settling', pending: 2 })
    first()
    await microtasks()
    // the first is over, but the token manager still waits for its provider: so do both
    expect([gate.state, settled()]).toEqual([{ name: 'settling', pending: 2 }, 0])
    answer('jwt')
    await microtasks()
    expect([gate.state, settled(), auth.token]).toEqual([{ name: 'settled' }, 1, 'jwt'])
  })

  test('a request that fails is logged and counts as over', async () => {
    const { gate, logger, settled } = setup()
    gate.settle(Promise.reject(new Error('no')))
    await microtasks()
    const logged = logger.lines.map((l) => l.message)
    expect([gate.state, settled(), logged]).toEqual([{ name: 'settled' }, 1, ['token request failed']])
  })
})
