import { describe, expect, test } from 'vitest'
import { AuthTokenManager, type TokenProvider } from './auth-token.ts'
import { TestLogSink } from './logger.ts'
import { TestClock } from './test-clock.ts'

const NOW = 1_800_000_000_000

/** An unsigned JWT carrying `claims` (the manager never verifies). */
const jwt = (claims: Record<string, unknown>) =>
  `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`

/** A JWT that expires `seconds` after NOW. */
const expiring = (seconds: number, sub = 'user') => jwt({ sub, exp: NOW / 1000 + seconds })

function deferred<T>() {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

type Answer = ReturnType<TokenProvider> | (() => ReturnType<TokenProvider>)

const microtasks = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

function setup(options: { refreshBeforeExpMs?: number; providerTimeoutMs?: number } = {}) {
  const clock = new TestClock(NOW)
  const log = new TestLogSink()
  const auth = new AuthTokenManager({ clock, logger: log, ...options })
  const changes: Array<string | null> = []
  auth.onChange((token) => changes.push(token))
  const calls: string[] = []
  /** Registers provider `id`, answering with `answers` in turn (the last one repeats); a function is called. */
  const provide = (id: string, ...answers: Answer[]) => {
    let n = 0
    auth.addProvider(id, () => {
      calls.push(id)
      const answer = answers[Math.min(n++, answers.length - 1)]
      return typeof answer === 'function' ? answer() : (answer ?? null)
    })
  }
  return { clock, log, auth, changes, calls, provide }
}

describe('setAuth', () => {
  test('a manual token wins over the providers until setAuth(null)', async () => {
    const { auth, calls, changes, provide } = setup()
    provide('tab-1', 'from-provider')
    await auth.setAuth('manual')
    await auth.refresh()
    expect({ token: auth.token, calls, changes }).toEqual({ token: 'manual', calls: [], changes: ['manual'] })
    await auth.setAuth(null)
    expect({ token: auth.token, calls, changes }).toEqual({
      token: 'from-provider',
      calls: ['tab-1'],
      changes: ['manual', 'from-provider'],
    })
  })

  test('setAuth(null) without providers makes the token null', async () => {
    const { auth, changes } = setup()
    await auth.setAuth('manual')
    await auth.setAuth(null)
    expect({ token: auth.token, changes }).toEqual({ token: null, changes: ['manual', null] })
  })

  test("setAuth('') is setAuth(null), as in realtime-js", async () => {
    const { auth, provide } = setup()
    provide('tab-1', 'from-provider')
    await auth.setAuth('manual')
    await auth.setAuth('')
    expect(auth.token).toBe('from-provider')
  })

  test('a manual token supersedes a request in flight, whose late answer is discarded', async () => {
    const { auth, changes, provide } = setup()
    const answer = deferred<string>()
    provide('tab-1', answer.promise)
    const refreshed = auth.refresh()
    const settled = auth.settled()
    await auth.setAuth('manual')
    answer.resolve('late')
    await microtasks()
    expect({ token: auth.token, changes, settled: await settled }).toEqual({
      token: 'manual',
      changes: ['manual'],
      settled: 'manual',
    })
    await expect(refreshed).resolves.toBeUndefined()
  })
})

describe("setAuth(token) from a provider's tab (realtime-js 2.112.1: the callback stays the source of truth)", () => {
  test('the token is used now; the next refresh (a connect) asks the providers again', async () => {
    const { auth, calls, changes, provide } = setup()
    provide('tab-1', 'from-provider')
    await auth.setAuth('explicit', 'tab-1')
    expect({ token: auth.token, calls }).toEqual({ token: 'explicit', calls: [] })
    await auth.refresh()
    expect({ token: auth.token, calls, changes }).toEqual({
      token: 'from-provider',
      calls: ['tab-1'],
      changes: ['explicit', 'from-provider'],
    })
  })

  test('the expiry timer of the explicit token asks the providers before it expires', async () => {
    const { auth, calls, clock, provide } = setup({ refreshBeforeExpMs: 60_000 })
    const fresh = expiring(7200, 'fresh')
    provide('tab-1', fresh)
    await auth.setAuth(expiring(600, 'explicit'), 'tab-1')
    expect(clock.pending()).toEqual([540_000])
    clock.advance(540_000)
    await auth.settled()
    expect({ token: auth.token, calls }).toEqual({ token: fresh, calls: ['tab-1'] })
  })

  test("another tab's provider is asked too: any provider may answer the next refresh", async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two')
    await auth.setAuth('explicit', 'tab-1')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'two', calls: ['tab-2'] })
  })

  test('from a tab without a provider the token stays manual, while other tabs have providers', async () => {
    const { auth, calls, clock, provide } = setup()
    provide('tab-1', 'from-provider')
    await auth.setAuth(expiring(600, 'manual'), 'tab-9')
    await auth.refresh()
    expect({ token: auth.token, calls, pending: clock.pending() }).toEqual({
      token: expiring(600, 'manual'),
      calls: [],
      pending: [],
    })
  })

  test("unpins a manual token another tab set: the latest auth action wins, as the provider's", async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'from-provider')
    await auth.setAuth('manual', 'tab-9')
    await auth.setAuth('explicit', 'tab-1')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'from-provider', calls: ['tab-1'] })
  })

  test("a provider's tab that removed its provider sets a manual token again", async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'from-provider')
    provide('tab-2', 'other')
    auth.removeProvider('tab-1')
    await auth.setAuth('explicit', 'tab-1')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'explicit', calls: [] })
  })
})

describe('refresh', () => {
  test('asks the newest provider and stops at its answer', async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'two', calls: ['tab-2'] })
  })

  test.each<[string, Answer, string]>([
    [
      'throws',
      () => {
        throw new Error('session lost')
      },
      'auth: token provider "tab-2" threw; asking the next one',
    ],
    [
      'rejects',
      () => Promise.reject(new Error('session lost')),
      'auth: token provider "tab-2" threw; asking the next one',
    ],
    [
      'returns a number',
      42 as unknown as string,
      'auth: token provider "tab-2" returned a non-string (number); asking the next one',
    ],
    [
      'returns an object',
      { access_token: 'x' } as unknown as string,
      'auth: token provider "tab-2" returned a non-string (object); asking the next one',
    ],
  ])('falls back to the next newest provider when the newest %s', async (_, answer, message) => {
    const { auth, calls, log, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', answer)
    await auth.refresh()
    expect({ token: auth.token, calls, log: log.lines.map((l) => [l.level, l.message]) }).toEqual({
      token: 'one',
      calls: ['tab-2', 'tab-1'],
      log: [['warn', message]],
    })
  })

  test('falls back to the next newest provider when the newest does not answer within providerTimeoutMs', async () => {
    const { auth, calls, clock, log, provide } = setup({ providerTimeoutMs: 5000 })
    provide('tab-1', 'one')
    provide('tab-2', new Promise<string>(() => {}))
    const refreshed = auth.refresh()
    clock.advance(4999)
    await microtasks()
    expect({ token: auth.token, calls }).toEqual({ token: null, calls: ['tab-2'] })
    clock.advance(1)
    await refreshed
    expect({ token: auth.token, calls, log: log.lines.map((l) => l.message), timers: clock.pending() }).toEqual({
      token: 'one',
      calls: ['tab-2', 'tab-1'],
      log: ['auth: token provider "tab-2" timed out; asking the next one'],
      timers: [],
    })
  })

  test('ignores an answer that comes after the deadline, even a rejection', async () => {
    const { auth, clock, provide } = setup({ providerTimeoutMs: 1000 })
    const late = deferred<string>()
    provide('tab-1', late.promise)
    const refreshed = auth.refresh()
    clock.advance(1000)
    await refreshed
    late.reject(new Error('too late'))
    await microtasks()
    expect(auth.token).toBe(null)
  })

  test('takes a null answer as "no token" without asking older providers', async () => {
    const { auth, calls, changes, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two', null)
    await auth.refresh()
    await auth.refresh()
    expect({ token: auth.token, calls, changes }).toEqual({
      token: null,
      calls: ['tab-2', 'tab-2'],
      changes: ['two', null],
    })
  })

  test('takes undefined and an empty string as "no token", as realtime-js does', async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two', undefined as unknown as null, '')
    const seen = []
    for (let i = 0; i < 3; i++) {
      await auth.refresh()
      seen.push(auth.token)
    }
    expect({ seen, calls }).toEqual({ seen: ['two', null, null], calls: ['tab-2', 'tab-2', 'tab-2'] })
  })

  test('keeps the current token when every provider fails', async () => {
    const { auth, log, provide } = setup()
    provide('tab-1', 'one', () => {
      throw new Error('no')
    })
    await auth.refresh()
    await auth.refresh()
    expect({ token: auth.token, log: log.lines.map((l) => [l.level, l.message]) }).toEqual({
      token: 'one',
      log: [
        ['warn', 'auth: token provider "tab-1" threw; asking the next one'],
        ['warn', 'auth: no token provider answered; keeping the current token'],
      ],
    })
  })

  test('keeps the current token when no provider is left', async () => {
    const { auth, provide } = setup()
    provide('tab-1', 'one')
    await auth.refresh()
    auth.removeProvider('tab-1')
    await auth.refresh()
    expect(auth.token).toBe('one')
  })

  test('asks the previous provider once the newest is removed', async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two')
    auth.removeProvider('tab-2')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'one', calls: ['tab-1'] })
  })

  test('moves on at once when the provider being asked is removed', async () => {
    const { auth, calls, clock, log, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', new Promise<string>(() => {}))
    const refreshed = auth.refresh()
    auth.removeProvider('tab-2')
    await refreshed
    expect({ token: auth.token, calls, log: log.lines.map((l) => l.message), timers: clock.pending() }).toEqual({
      token: 'one',
      calls: ['tab-2', 'tab-1'],
      log: ['auth: token provider "tab-2" was removed; asking the next one'],
      timers: [],
    })
  })

  test('treats a provider added again under its id as the newest', async () => {
    const { auth, calls, provide } = setup()
    provide('tab-1', 'one')
    provide('tab-2', 'two')
    provide('tab-1', 'one again')
    await auth.refresh()
    expect({ token: auth.token, calls }).toEqual({ token: 'one again', calls: ['tab-1'] })
  })

  test('discards the answer of a superseded request (generation counter)', async () => {
    const { auth, calls, changes, provide } = setup()
    const first = deferred<string>()
    const second = deferred<string>()
    provide('tab-1', first.promise, second.promise)
    const refreshedFirst = auth.refresh()
    const refreshedSecond = auth.refresh()
    second.resolve('new')
    await refreshedSecond
    first.resolve('old')
    await refreshedFirst
    await microtasks()
    expect({ token: auth.token, calls, changes }).toEqual({ token: 'new', calls: ['tab-1', 'tab-1'], changes: ['new'] })
  })
})

describe('refresh timer', () => {
  test('asks the providers refreshBeforeExpMs before the JWT expires, then again for the new token', async () => {
    const { auth, calls, clock, provide } = setup({ refreshBeforeExpMs: 60_000 })
    const first = expiring(3600, 'first')
    const second = expiring(7200, 'second')
    provide('tab-1', first, second)
    await auth.refresh()
    expect(clock.pending()).toEqual([3_540_000])
    clock.advance(3_539_999)
    expect(calls).toEqual(['tab-1'])
    clock.advance(1)
    await auth.settled()
    expect({ token: auth.token, calls, pending: clock.pending() }).toEqual({
      token: second,
      calls: ['tab-1', 'tab-1'],
      pending: [3_600_000],
    })
  })

  test('sets no timer for a token without exp', async () => {
    const { auth, clock, provide } = setup()
    provide('tab-1', jwt({ sub: 'user', role: 'authenticated' }), 'opaque-token')
    await auth.refresh()
    const afterJwt = clock.pending()
    await auth.refresh()
    expect({ afterJwt, afterOpaque: clock.pending() }).toEqual({ afterJwt: [], afterOpaque: [] })
  })

  test('refreshes a token shorter-lived than 2 × refreshBeforeExpMs at half its life left, and sets none under 2 s', async () => {
    const { auth, clock, provide } = setup({ refreshBeforeExpMs: 60_000 })
    provide('tab-1', expiring(30), expiring(1))
    await auth.refresh()
    const shortLived = clock.pending()
    await auth.refresh()
    expect({ shortLived, almostExpired: clock.pending() }).toEqual({ shortLived: [15_000], almostExpired: [] })
  })

  test('sets no timer for a manual token and cancels the one pending', async () => {
    const { auth, clock, provide } = setup()
    provide('tab-1', expiring(3600))
    await auth.refresh()
    const before = clock.pending()
    await auth.setAuth(expiring(3600, 'manual'))
    expect({ before, after: clock.pending() }).toEqual({ before: [3_540_000], after: [] })
  })

  test('retries at the deadline of the current token when every provider failed', async () => {
    const { auth, calls, clock, provide } = setup({ refreshBeforeExpMs: 60_000 })
    provide('tab-1', expiring(3600), () => {
      throw new Error('offline')
    })
    await auth.refresh()
    clock.advance(3_540_000)
    await auth.settled()
    expect({ calls, pending: clock.pending() }).toEqual({ calls: ['tab-1', 'tab-1'], pending: [30_000] })
  })
})

describe('settled', () => {
  test('resolves with the current token when nothing is in flight', async () => {
    const { auth } = setup()
    await auth.setAuth('manual')
    await expect(auth.settled()).resolves.toBe('manual')
  })

  test('waits for the request in flight, as a join would', async () => {
    const { auth, provide } = setup()
    const answer = deferred<string>()
    provide('tab-1', answer.promise)
    void auth.refresh()
    const seen: Array<string | null> = []
    void auth.settled().then((token) => seen.push(token))
    await microtasks()
    expect(seen).toEqual([])
    answer.resolve('fresh')
    await microtasks()
    expect(seen).toEqual(['fresh'])
  })

  test('waits through a fallback after a provider times out', async () => {
    const { auth, clock, provide } = setup({ providerTimeoutMs: 1000 })
    provide('tab-1', 'one')
    provide('tab-2', new Promise<string>(() => {}))
    void auth.refresh()
    const settled = auth.settled()
    clock.advance(1000)
    await expect(settled).resolves.toBe('one')
  })
  test('waits for a request a listener starts while the value changes', async () => {
    const { auth, provide } = setup()
    const first = deferred<string>()
    const second = deferred<string>()
    provide('tab-1', first.promise, second.promise)
    auth.onChange((token) => {
      if (token === 'manual') void auth.setAuth(null)
    })
    void auth.refresh()
    const seen: Array<string | null> = []
    void auth.settled().then((token) => seen.push(token))
    await auth.setAuth('manual')
    await microtasks()
    const beforeAnswer = [...seen]
    second.resolve('fresh')
    await microtasks()
    expect({ beforeAnswer, seen }).toEqual({ beforeAnswer: [], seen: ['fresh'] })
  })
})

describe('settling', () => {
  test('is true exactly while a provider is being asked', async () => {
    const { auth, provide } = setup()
    const answer = deferred<string>()
    provide('tab-1', answer.promise)
    const before = auth.settling
    const refreshed = auth.refresh()
    const during = auth.settling
    answer.resolve('fresh')
    await refreshed
    expect({ before, during, after: auth.settling }).toEqual({ before: false, during: true, after: false })
  })
})

describe('onChange', () => {
  test('is called only when the value actually changes', async () => {
    const { auth, changes, provide } = setup()
    provide('tab-1', 'a', 'a', 'b')
    await auth.refresh()
    await auth.refresh()
    await auth.setAuth('b')
    await auth.setAuth('b')
    await auth.setAuth(null)
    auth.removeProvider('tab-1')
    await auth.setAuth(null)
    expect(changes).toEqual(['a', 'b', null])
  })

  test('stops calling a listener once it unsubscribes', async () => {
    const { auth } = setup()
    const seen: Array<string | null> = []
    const unsubscribe = auth.onChange((token) => seen.push(token))
    await auth.setAuth('one')
    unsubscribe()
    await auth.setAuth('two')
    expect(seen).toEqual(['one'])
  })

  test('logs a listener that throws and still calls the others', async () => {
    const { auth, changes, log } = setup()
    const failure = new Error('listener broke')
    auth.onChange(() => {
      throw failure
    })
    const after: Array<string | null> = []
    auth.onChange((token) => after.push(token))
    await auth.setAuth('one')
    expect({ changes, after, log: log.lines }).toEqual({
      changes: ['one'],
      after: ['one'],
      log: [{ level: 'error', message: 'auth: an onChange listener threw', data: failure }],
    })
  })
})

describe('dispose', () => {
  test('cancels the refresh timer and makes later calls no-ops', async () => {
    const { auth, calls, changes, clock, provide } = setup()
    provide('tab-1', expiring(3600), 'other')
    await auth.refresh()
    auth.dispose()
    const pending = clock.pending()
    await auth.setAuth('manual')
    await auth.refresh()
    auth.addProvider('tab-2', () => 'never asked')
    const unsubscribe = auth.onChange(() => {})
    unsubscribe()
    auth.dispose()
    expect({ pending, calls, changes, token: auth.token }).toEqual({
      pending: [],
      calls: ['tab-1'],
      changes: [expiring(3600)],
      token: expiring(3600),
    })
  })

  test('releases a pending settled() with the current token and discards the answer in flight', async () => {
    const { auth, changes, clock, provide } = setup()
    const answer = deferred<string>()
    provide('tab-1', answer.promise)
    const refreshed = auth.refresh()
    const settled = auth.settled()
    auth.dispose()
    answer.resolve('late')
    await refreshed
    expect({ settled: await settled, token: auth.token, changes, timers: clock.pending() }).toEqual({
      settled: null,
      token: null,
      changes: [],
      timers: [],
    })
  })
})
