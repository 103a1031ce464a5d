// validateRules: every invalid rule gets a message naming the rule, the field and what is expected.
import { describe, expect, it } from 'vitest'
import { PolicyError } from './errors.ts'
import { compileRule, validateRules } from './rules.ts'

const inline = { listName: 'rules' }
const file = { file: '/app/policies.json', listName: 'policies' }

function errorOf(value: unknown, source: { file?: string; listName: string } = inline): PolicyError {
  try {
    validateRules(value, source)
  } catch (error) {
    if (error instanceof PolicyError) return error
    throw error
  }
  throw new Error('expected a PolicyError')
}

describe('validateRules', () => {
  it('accepts well-formed rules and returns them', () => {
    const rules = [
      { topic: 'room:*', broadcast: ['read', 'write'] },
      { topic: 'user:{{sub}}', role: ['authenticated'], claims: { aal: 'aal2' }, presence: [] },
    ]
    expect(validateRules(rules, inline)).toBe(rules)
  })

  it.each([
    [{ policies: [] }, 'rules must be an array of rules, got {"policies":[]}'],
    [['room'], 'rules[0] must be an object like { "topic": "room:*", "broadcast": ["read"] }, got "room"'],
    [
      [{ topic: 'a', brodcast: ['read'] }],
      'rules[0] has an unknown field "brodcast" (allowed: topic, role, claims, broadcast, presence)',
    ],
    [[{ broadcast: ['read'] }], 'rules[0].topic must be a non-empty string, got undefined'],
    [[{ topic: '', broadcast: ['read'] }], 'rules[0].topic must be a non-empty string, got ""'],
    [[{ topic: 'user:{{sub', broadcast: ['read'] }], 'rules[0].topic "user:{{sub": "{{" without a closing "}}"'],
    [
      [{ topic: 'user:{{ }}', broadcast: ['read'] }],
      'rules[0].topic "user:{{ }}": "{{}}" is not a claim placeholder like "{{sub}}"',
    ],
    [
      [{ topic: 'a', role: '', broadcast: ['read'] }],
      'rules[0].role must be a role name or a non-empty array of role names, got ""',
    ],
    [
      [{ topic: 'a', role: [], broadcast: ['read'] }],
      'rules[0].role must be a role name or a non-empty array of role names, got []',
    ],
    [
      [{ topic: 'a', claims: 'sub', broadcast: ['read'] }],
      'rules[0].claims must be an object of claim values, got "sub"',
    ],
    [[{ topic: 'a', broadcast: 'read' }], 'rules[0].broadcast must be an array of "read" and/or "write", got "read"'],
    [
      [{ topic: 'a', presence: ['read', 'track'] }],
      'rules[0].presence must be an array of "read" and/or "write", got ["read","track"]',
    ],
    [[{ topic: 'a' }], 'rules[0] grants nothing: give it "broadcast" and/or "presence", e.g. ["read", "write"]'],
  ])('rejects %j', (value, message) => {
    expect(errorOf(value).message).toBe(`Invalid policy rules: ${message}`)
  })

  it('names the file, the rule index and the field', () => {
    const error = errorOf(
      [
        { topic: 'ok', broadcast: ['read'] },
        { topic: 'room', broadcast: ['rw'] },
      ],
      file,
    )
    expect(error.message).toBe(
      'Invalid policy file /app/policies.json: policies[1].broadcast must be an array of "read" and/or "write", got ["rw"]',
    )
    expect({ file: error.file, rule: error.rule, field: error.field, name: error.name }).toEqual({
      file: '/app/policies.json',
      rule: 1,
      field: 'broadcast',
      name: 'PolicyError',
    })
  })

  it('shortens long values in messages', () => {
    const message = errorOf([{ topic: 'a', claims: 'x'.repeat(100), broadcast: ['read'] }]).message
    expect(message).toBe(
      `Invalid policy rules: rules[0].claims must be an object of claim values, got "${'x'.repeat(56)}...`,
    )
  })
})

describe('compileRule topic matching (linear time, issue #16)', () => {
  const matches = (pattern: string, topic: string, claims: Record<string, unknown> = {}) =>
    compileRule({ topic: pattern, broadcast: ['read'] }).matches(topic, claims)

  it.each([
    ['room:*', 'room:', true],
    ['room:*', 'room:a:b', true],
    ['room:*', 'rooms:a', false],
    ['team:*:*:admin', 'team:a:b:admin', true],
    ['team:*:*:admin', 'team:a:admin', false],
    ['team:*:*:admin', 'team::::admin', true],
    ['team:*:*:admin', 'team:a:b:admin:x', false],
    ['a*a', 'a', false],
    ['a*a', 'aa', true],
    ['*', '', true],
    ['**x', 'yx', true],
    ['exact', 'exact', true],
    ['exact', 'exact\n', false],
    ['*:end', 'line\nbreak:end', true],
    ['user:{{sub}}:*', 'user:u-1:inbox', true],
  ])('%s against %j → %s', (pattern, topic, expected) => {
    expect(matches(pattern, topic, { sub: 'u-1' })).toBe(expected)
  })

  it('a claim value is literal text: its "*" matches only "*"', () => {
    expect(matches('user:{{sub}}', 'user:*', { sub: '*' })).toBe(true)
    expect(matches('user:{{sub}}', 'user:anyone', { sub: '*' })).toBe(false)
  })

  it('answers for a 2 MB topic that a `.*` regex would take minutes on (the test times out if matching is not linear)', () => {
    const colons = ':'.repeat(2_000_000)
    expect(matches('team:*:*:admin', `team:${colons}x`)).toBe(false)
    expect(matches('team:*:*:admin', `team:${colons}admin`)).toBe(true)
    expect(matches('*a*a*a*a*b', 'a'.repeat(2_000_000))).toBe(false)
  })
})
