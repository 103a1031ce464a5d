// Policy rules: checking a rule list with precise errors, and matching a rule against a request
// (topic pattern with `*` and `{{claim}}` placeholders, role, claim equality).
import { isDeepStrictEqual } from 'node:util'
import { isRecord } from '@shared-realtime/protocol'
import { PolicyError } from './errors.ts'
import { describeValue, type Capability } from './permissions.ts'

/** One rule of a policy file. See POLICIES.md. */
export interface PolicyRule {
  /** Sub-topic (without "realtime:"): exact, `*` = any characters, `{{claim}}` = that JWT claim's value. */
  topic: string
  /** Matches when `claims.role` equals this role, or one of these roles. Default: any role. */
  role?: string | readonly string[]
  /** Matches when every listed claim (a key, or a dot path) equals the given JSON value. */
  claims?: Readonly<Record<string, unknown>>
  broadcast?: readonly Capability[]
  presence?: readonly Capability[]
}

type TopicPart = { kind: 'text'; text: string } | { kind: 'any' } | { kind: 'claim'; name: string }

export interface CompiledRule {
  matches(topic: string, claims: Readonly<Record<string, unknown>>): boolean
  readonly broadcast: readonly Capability[]
  readonly presence: readonly Capability[]
}

const RULE_KEYS = ['topic', 'role', 'claims', 'broadcast', 'presence']
const isRole = (role: unknown): boolean => typeof role === 'string' && role !== ''

/** Where rules come from, for error messages: a file and its `policies` array, or an inline list. */
export interface RuleSource {
  file?: string
  /** How the list is named in messages: "policies" for a file, "rules" for policiesFromRules. */
  listName: string
}

/** Checks a rule list; throws a PolicyError naming the file, rule index and field on the first problem. */
export function validateRules(value: unknown, source: RuleSource): PolicyRule[] {
  const prefix = source.file === undefined ? 'Invalid policy rules: ' : `Invalid policy file ${source.file}: `
  const fail = (message: string, rule?: number, field?: string): never => {
    throw new PolicyError(prefix + message, {
      ...(source.file === undefined ? {} : { file: source.file }),
      ...(rule === undefined ? {} : { rule }),
      ...(field === undefined ? {} : { field }),
    })
  }
  if (!Array.isArray(value)) return fail(`${source.listName} must be an array of rules, got ${describeValue(value)}`)
  value.forEach((rule: unknown, index) => {
    const at = `${source.listName}[${index}]`
    if (!isRecord(rule))
      return fail(
        `${at} must be an object like { "topic": "room:*", "broadcast": ["read"] }, got ${describeValue(rule)}`,
        index,
      )
    const unknown = Object.keys(rule).find((key) => !RULE_KEYS.includes(key))
    if (unknown !== undefined)
      fail(`${at} has an unknown field "${unknown}" (allowed: ${RULE_KEYS.join(', ')})`, index, unknown)
    const { topic, role, claims } = rule
    if (typeof topic !== 'string' || topic === '')
      fail(`${at}.topic must be a non-empty string, got ${describeValue(topic)}`, index, 'topic')
    const parsed = parseTopic(topic as string)
    if (typeof parsed === 'string') fail(`${at}.topic ${describeValue(topic)}: ${parsed}`, index, 'topic')
    if (role !== undefined && !isRole(role) && !(Array.isArray(role) && role.length > 0 && role.every(isRole))) {
      fail(
        `${at}.role must be a role name or a non-empty array of role names, got ${describeValue(role)}`,
        index,
        'role',
      )
    }
    if (claims !== undefined && !isRecord(claims)) {
      fail(`${at}.claims must be an object of claim values, got ${describeValue(claims)}`, index, 'claims')
    }
    for (const field of ['broadcast', 'presence'] as const) {
      const list = rule[field]
      if (list !== undefined && !(Array.isArray(list) && list.every((c) => c === 'read' || c === 'write'))) {
        fail(`${at}.${field} must be an array of "read" and/or "write", got ${describeValue(list)}`, index, field)
      }
    }
    if (rule.broadcast === undefined && rule.presence === undefined) {
      fail(`${at} grants nothing: give it "broadcast" and/or "presence", e.g. ["read", "write"]`, index)
    }
  })
  return value as PolicyRule[]
}

/** Splits a topic pattern into text, `*` and `{{claim}}` parts, or returns what is wrong with it. */
function parseTopic(topic: string): TopicPart[] | string {
  const parts: TopicPart[] = []
  const text = (t: string) =>
    t.split('*').forEach((piece, i) => {
      if (i > 0) parts.push({ kind: 'any' })
      if (piece !== '') parts.push({ kind: 'text', text: piece })
    })
  let rest = topic
  for (let open = rest.indexOf('{{'); open !== -1; open = rest.indexOf('{{')) {
    const close = rest.indexOf('}}', open + 2)
    if (close === -1) return `"{{" without a closing "}}"`
    const name = rest.slice(open + 2, close).trim()
    if (name === '' || /[{}]/.test(name)) return `"{{${name}}}" is not a claim placeholder like "{{sub}}"`
    text(rest.slice(0, open))
    parts.push({ kind: 'claim', name })
    rest = rest.slice(close + 2)
  }
  text(rest)
  return parts
}

/** A claim by exact key, else by dot path (`app_metadata.team`). */
export function lookupClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name]
  let value: unknown = claims
  for (const key of name.split('.')) {
    if (!isRecord(value) || !Object.hasOwn(value, key)) return undefined
    value = value[key]
  }
  return value
}

/**
 * Whether `topic` matches literal `segments` joined by `*` (any characters): the first segment is a prefix, the
 * last a suffix, the ones between found in order, each at its leftmost place (always right for `*` patterns).
 * Time linear in the topic's length for a given pattern: no regular expression, no backtracking (issue #16: `.*`
 * regexes took seconds on a 30k-character topic with the rule "team:*:*:admin").
 */
export function globMatches(segments: readonly string[], topic: string): boolean {
  if (segments.length === 1) return topic === segments[0]
  const first = segments[0]!
  const last = segments[segments.length - 1]!
  const end = topic.length - last.length
  if (end < first.length || !topic.startsWith(first) || !topic.endsWith(last)) return false
  let at = first.length
  for (let i = 1; i < segments.length - 1; i++) {
    const segment = segments[i]!
    if (segment === '') continue
    const found = topic.indexOf(segment, at)
    if (found === -1 || found + segment.length > end) return false
    at = found + segment.length
  }
  return true
}

/** Turns a validated rule into a matcher. */
export function compileRule(rule: PolicyRule): CompiledRule {
  const parts = parseTopic(rule.topic) as TopicPart[]
  const roles = rule.role === undefined ? undefined : typeof rule.role === 'string' ? [rule.role] : rule.role
  const claimEntries = Object.entries(rule.claims ?? {})
  return {
    broadcast: rule.broadcast ?? [],
    presence: rule.presence ?? [],
    matches(topic, claims) {
      if (roles !== undefined && !roles.includes(claims.role as string)) return false
      if (!claimEntries.every(([name, expected]) => isDeepStrictEqual(lookupClaim(claims, name), expected)))
        return false
      const segments = ['']
      for (const part of parts) {
        if (part.kind === 'text') segments[segments.length - 1] += part.text
        else if (part.kind === 'any') segments.push('')
        else {
          const value = lookupClaim(claims, part.name)
          if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return false
          segments[segments.length - 1] += String(value)
        }
      }
      return globMatches(segments, topic)
    },
  }
}
