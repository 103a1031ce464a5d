// An engine with an identity takes only tokens of that identity (docs/decisions.md 61): the hosts key engines by
// the token's `<role>:<sub>`, and the engine holds the line whichever tab hands a token over.

import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { beforeEach, expect, test } from 'vitest'
import { IdentityMismatchError } from './identity.ts'
import { tokenIdentity } from './jwt.ts'
import { TestClock } from './test-clock.ts'
import { recordedTab, scriptedEngine, settle } from './test-support/scripted.ts'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An unsigned-looking JWT with these claims (the engine reads claims without verifying). */
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'HS256' })}.${b64(claims)}.c2ln`
const exp = 2_000_000_000
const u1 = jwt({ role: 'authenticated', sub: 'u1', exp })
const u1Later = jwt({ role: 'authenticated', sub: 'u1', exp: exp + 60 })
const u2 = jwt({ role: 'authenticated', sub: 'u2', exp })
const anonKey = jwt({ role: 'anon', exp })
const spec = { config: {}, postgres: [], presence: false }

let clock: TestClock
beforeEach(() => {
  FakeSocket.reset()
  clock = new TestClock()
})

const joinTokens = () =>
  FakeSocket.last.of('phx_join').map((frame) => (frame.payload as { access_token?: string }).access_token)

test('tokenIdentity: role and sub; anon without a token, a sub, or a readable JWT', () => {
  expect([u1, u2, anonKey, null, '', 'not-a-jwt', jwt({ sub: 'x' })].map(tokenIdentity)).toEqual([
    'authenticated:u1',
    'authenticated:u2',
    'anon',
    'anon',
    'anon',
    'anon',
    ':x',
  ])
})

test("setAuth with another user's token throws IdentityMismatchError; the engine keeps its token", async () => {
  const engine = scriptedEngine(clock, { identity: 'authenticated:u1' })
  const tab = recordedTab(engine)
  await tab.session.setAuth(u1)
  await tab.session.setAuth(u1Later) // the same user's newer token: taken
  expect(() => tab.session.setAuth(u2)).toThrow(IdentityMismatchError)
  expect(() => tab.session.setAuth(anonKey)).toThrow(
    /a token for "anon" cannot be used on the socket of "authenticated:u1"/,
  )
  tab.session.subscribe('s', 'realtime:room', spec)
  await settle(clock)
  FakeSocket.last.open()
  await settle(clock)
  expect(joinTokens()).toEqual([u1Later])
  expect(engine.inspect().identity).toBe('authenticated:u1')
})

test("a provider's answer for another identity is a failed answer: the next provider is asked, or the token kept", async () => {
  const engine = scriptedEngine(clock, { identity: 'authenticated:u1' })
  const good = recordedTab(engine, 'good')
  const other = recordedTab(engine, 'other')
  const asked = { good: 0, other: 0 }
  good.session.setTokenProvider(() => (asked.good++, u1))
  other.session.setTokenProvider(() => (asked.other++, u2)) // the newest: asked first
  other.session.subscribe('s', 'realtime:room', spec)
  await settle(clock)
  FakeSocket.last.open()
  await settle(clock)
  expect(joinTokens()).toEqual([u1])
  expect(asked.other).toBeGreaterThan(0)
  expect(asked.good).toBeGreaterThan(0)
  // signed out (null: the anon key) in the only provider left: the user's engine never turns anon
  good.session.detach()
  other.session.setTokenProvider(() => null)
  await settle(clock)
  expect(engine.inspect().token.present).toBe(true)
})

test('an engine without an identity takes any token (hosts always give one; tests and direct users may not)', async () => {
  const engine = scriptedEngine(clock)
  const tab = recordedTab(engine)
  await tab.session.setAuth(u1)
  await tab.session.setAuth(u2)
  expect(engine.inspect().identity).toBeNull()
})
