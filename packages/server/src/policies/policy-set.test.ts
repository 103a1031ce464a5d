// policiesFromRules / policiesFromFunction / noPolicies: which permissions a request gets.
import { describe, expect, it } from 'vitest'
import { allPermissions, noPermissions, type Permissions } from './permissions.ts'
import { noPolicies, policiesFromFunction, policiesFromRules } from './policy-set.ts'
import type { PolicyRule } from './rules.ts'

const user = (claims: Record<string, unknown> = {}) => ({ role: 'authenticated', sub: 'u1', ...claims })
const perms = (b: [boolean, boolean], p: [boolean, boolean] = [false, false]): Permissions => ({
  broadcast: { read: b[0], write: b[1] },
  presence: { read: p[0], write: p[1] },
})
const READ_ONLY = perms([true, false])

async function allowed(rules: PolicyRule[], topic: string, claims: Record<string, unknown> = user()): Promise<boolean> {
  const permissions = await policiesFromRules(rules).authorize({ topic, claims })
  return permissions.broadcast.read
}

describe('policiesFromRules', () => {
  it('matches an exact topic only', async () => {
    const rules: PolicyRule[] = [{ topic: 'room:lobby', broadcast: ['read'] }]
    expect(await allowed(rules, 'room:lobby')).toBe(true)
    expect(await allowed(rules, 'room:lobby2')).toBe(false)
    expect(await allowed(rules, 'xroom:lobby')).toBe(false)
  })

  it.each([
    ['room:*', 'room:1', true],
    ['room:*', 'room:', true],
    ['room:*', 'room:a:b', true],
    ['room:*', 'rooms:1', false],
    ['org:*:chat', 'org:42:chat', true],
    ['org:*:chat', 'org:42:chat:x', false],
    ['*', 'anything at all', true],
    ['*', 'multi\nline', true],
    ['a.b', 'axb', false],
    ['a(b)+', 'a(b)+', true],
  ])('pattern %j on topic %j gives %s', async (topic, request, expected) => {
    expect(await allowed([{ topic, broadcast: ['read'] }], request)).toBe(expected)
  })

  it.each([
    ['user:{{sub}}', 'user:u1', user(), true],
    ['user:{{sub}}', 'user:u2', user(), false],
    ['user:{{ sub }}', 'user:u1', user(), true],
    ['user:{{sub}}', 'user:u1', { role: 'anon' }, false],
    ['n:{{num}}', 'n:7', user({ num: 7 }), true],
    ['n:{{obj}}', 'n:[object Object]', user({ obj: {} }), false],
    ['team:{{app_metadata.team}}:*', 'team:red:chat', user({ app_metadata: { team: 'red' } }), true],
    ['ns:{{https://example.com/org}}', 'ns:acme', user({ 'https://example.com/org': 'acme' }), true],
    ['user:{{sub}}', 'user:anything', user({ sub: '*' }), false],
    ['user:{{sub}}', 'user:*', user({ sub: '*' }), true],
  ])('placeholder pattern %j on %j gives %s', async (topic, request, claims, expected) => {
    expect(await allowed([{ topic, broadcast: ['read'] }], request, claims)).toBe(expected)
  })

  it('matches role as a name or a list', async () => {
    const single: PolicyRule[] = [{ topic: '*', role: 'authenticated', broadcast: ['read'] }]
    const list: PolicyRule[] = [{ topic: '*', role: ['anon', 'authenticated'], broadcast: ['read'] }]
    expect(await allowed(single, 't', user())).toBe(true)
    expect(await allowed(single, 't', user({ role: 'anon' }))).toBe(false)
    expect(await allowed(list, 't', user({ role: 'anon' }))).toBe(true)
    expect(await allowed(list, 't', user({ role: 'admin' }))).toBe(false)
  })

  it('matches claims by deep equality, by key or dot path', async () => {
    const rules: PolicyRule[] = [
      { topic: '*', claims: { 'app_metadata.plan': 'pro', tags: ['a', 'b'] }, broadcast: ['read'] },
    ]
    expect(await allowed(rules, 't', user({ app_metadata: { plan: 'pro' }, tags: ['a', 'b'] }))).toBe(true)
    expect(await allowed(rules, 't', user({ app_metadata: { plan: 'pro' }, tags: ['a'] }))).toBe(false)
    expect(await allowed(rules, 't', user({ tags: ['a', 'b'] }))).toBe(false)
  })

  it('grants the union of every matching rule', async () => {
    const set = policiesFromRules([
      { topic: 'room:*', broadcast: ['read'] },
      { topic: 'room:{{sub}}', broadcast: ['write'], presence: ['read', 'write'] },
      { topic: 'other', broadcast: ['write'] },
    ])
    expect(await set.authorize({ topic: 'room:u1', claims: user() })).toEqual(perms([true, true], [true, true]))
    expect(await set.authorize({ topic: 'room:u2', claims: user() })).toEqual(READ_ONLY)
    expect(await set.authorize({ topic: 'nowhere', claims: user() })).toEqual(noPermissions())
  })

  it('gives service_role everything, whatever the rules', async () => {
    const set = policiesFromRules([{ topic: 'x', role: 'anon', broadcast: ['read'] }])
    expect(await set.authorize({ topic: 'room', claims: { role: 'service_role' } })).toEqual(allPermissions())
  })

  it('names its source', () => {
    expect(policiesFromRules([]).source).toBe('rules')
  })
})

describe('noPolicies', () => {
  it('denies everyone but service_role', async () => {
    const set = noPolicies()
    expect(set.source).toBe('none')
    expect(await set.authorize({ topic: 'room', claims: user() })).toEqual(noPermissions())
    expect(await set.authorize({ topic: 'room', claims: { role: 'service_role' } })).toEqual(allPermissions())
  })
})

describe('policiesFromFunction', () => {
  const logs: string[] = []
  const logger = { error: (message: string) => void logs.push(message) }

  it.each([
    [true, allPermissions()],
    [false, noPermissions()],
    [{ broadcast: { read: true } }, READ_ONLY],
    [{ presence: true }, perms([false, false], [true, true])],
    [{ broadcast: { read: true, write: false }, presence: { write: true } }, perms([true, false], [false, true])],
  ])('reads the answer %j', async (answer, expected) => {
    expect(await policiesFromFunction(() => answer, { logger }).authorize({ topic: 't', claims: user() })).toEqual(
      expected,
    )
  })

  it('passes the request and awaits an async answer', async () => {
    const set = policiesFromFunction(async ({ topic, claims }) => topic === `user:${String(claims.sub)}`)
    expect(await set.authorize({ topic: 'user:u1', claims: user() })).toEqual(allPermissions())
    expect(await set.authorize({ topic: 'user:u2', claims: user() })).toEqual(noPermissions())
  })

  it('denies and logs an RlsPolicyError when the function throws or rejects', async () => {
    logs.length = 0
    const throwing = policiesFromFunction(
      () => {
        throw new Error('boom')
      },
      { logger },
    )
    const rejecting = policiesFromFunction(() => Promise.reject(new Error('db down')), { logger })
    expect(await throwing.authorize({ topic: 'room:1', claims: user() })).toEqual(noPermissions())
    expect(await rejecting.authorize({ topic: 'room:2', claims: user() })).toEqual(noPermissions())
    expect(logs).toEqual([
      'RlsPolicyError: policy function threw for topic "room:1": boom',
      'RlsPolicyError: policy function threw for topic "room:2": db down',
    ])
  })

  it.each([
    ['yes', 'got "yes"'],
    [null, 'got null'],
    [{ broadcast: { read: 'yes' } }, 'got broadcast.read: "yes"'],
    [{ broadcats: true }, 'got unknown key "broadcats"'],
  ])('denies and logs an unreadable answer %j', async (answer, detail) => {
    logs.length = 0
    const set = policiesFromFunction(() => answer as never, { logger })
    expect(await set.authorize({ topic: 'room', claims: user() })).toEqual(noPermissions())
    expect(logs).toEqual([
      `RlsPolicyError: policy function answered for topic "room": expected true, false or { broadcast?: { read?, write? }, presence?: { read?, write? } }, ${detail}`,
    ])
  })

  it('gives service_role everything without calling the function', async () => {
    let calls = 0
    const set = policiesFromFunction(() => ++calls > 100)
    expect(await set.authorize({ topic: 'room', claims: { role: 'service_role' } })).toEqual(allPermissions())
    expect(calls).toBe(0)
  })
})
