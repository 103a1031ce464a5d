// A PolicySet answers "what may these claims do on this topic?" for private channels, a shortcut
// next to RLS on realtime.messages (PROTOCOL.md §3.4; its grants are added to the SQL policies',
// ../authorization.ts). service_role bypasses it, as it bypasses RLS.
import { PolicyError } from './errors.ts'
import {
  allPermissions,
  grant,
  noPermissions,
  readDecision,
  type Permissions,
  type PolicyDecision,
} from './permissions.ts'
import { compileRule, validateRules, type PolicyRule } from './rules.ts'

export interface PolicyRequest {
  /** The sub-topic, without "realtime:" (what RLS policies read as `realtime.topic()`). */
  topic: string
  /** The verified JWT claims. */
  claims: Readonly<Record<string, unknown>>
  /** Request headers, if the caller has them (Realtime exposes them as `request.headers`). */
  headers?: Readonly<Record<string, string | readonly string[] | undefined>>
}

export type PolicyFunction = (request: PolicyRequest) => PolicyDecision | Promise<PolicyDecision>

/** Where errors of policy functions go; Realtime logs them as RlsPolicyError. Default: console.error. */
export interface PolicyLogger {
  error(message: string): void
}

export interface PolicyOptions {
  logger?: PolicyLogger
}

export interface PolicySet {
  /** Where the policies came from: the file path, "rules", "function" or "none". */
  readonly source: string
  /** Never rejects: a failing policy function denies everything and is logged. */
  authorize(request: PolicyRequest): Promise<Permissions>
}

const SERVICE_ROLE = 'service_role'
const consoleLogger: PolicyLogger = { error: (message) => console.error(message) }

/** No policies: private channels are denied to everyone but service_role (RLS on, no policy). */
export function noPolicies(): PolicySet {
  return policiesFromRules([], { source: 'none' })
}

/**
 * Policies from rules (the `policies` array of a policy file). Permissions are the union over
 * every matching rule. Throws a PolicyError on an invalid rule.
 */
export function policiesFromRules(
  rules: readonly PolicyRule[],
  options: PolicyOptions & { source?: string; file?: string } = {},
): PolicySet {
  const source = {
    listName: options.file === undefined ? 'rules' : 'policies',
    ...(options.file === undefined ? {} : { file: options.file }),
  }
  const compiled = validateRules(rules, source).map(compileRule)
  return {
    source: options.source ?? options.file ?? 'rules',
    authorize: async ({ topic, claims }) => {
      if (claims.role === SERVICE_ROLE) return allPermissions()
      const permissions = noPermissions()
      for (const rule of compiled) {
        if (!rule.matches(topic, claims)) continue
        grant(permissions, 'broadcast', rule.broadcast)
        grant(permissions, 'presence', rule.presence)
      }
      return permissions
    },
  }
}

/**
 * Policies from a function of the request, returning `true` (everything), `false` (nothing) or
 * `{ broadcast?: { read?, write? }, presence?: … }` (omitted = denied), possibly as a promise.
 * A throw, a rejection or an unreadable answer denies everything and is logged as
 * `RlsPolicyError: …`, as Realtime treats a broken RLS policy.
 */
export function policiesFromFunction(fn: PolicyFunction, options: PolicyOptions & { source?: string } = {}): PolicySet {
  if (typeof fn !== 'function') throw new PolicyError(`Invalid policy function: expected a function, got ${typeof fn}`)
  const logger = options.logger ?? consoleLogger
  return {
    source: options.source ?? 'function',
    authorize: async (request) => {
      if (request.claims.role === SERVICE_ROLE) return allPermissions()
      let decision: unknown
      try {
        decision = await fn(request)
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        logger.error(`RlsPolicyError: policy function threw for topic "${request.topic}": ${reason}`)
        return noPermissions()
      }
      const permissions = readDecision(decision)
      if (typeof permissions !== 'string') return permissions
      logger.error(`RlsPolicyError: policy function answered for topic "${request.topic}": ${permissions}`)
      return noPermissions()
    },
  }
}
