// The one error a policy file or rule list can raise: it names the file, the rule and the field.

export interface PolicyErrorDetails {
  /** Absolute path of the policy file, when the rules came from one. */
  file?: string
  /** Index of the offending rule in `policies` (or in the rules given to policiesFromRules). */
  rule?: number
  /** The offending field of that rule, e.g. "broadcast". */
  field?: string
}

/**
 * A policy file or rule list that cannot be used. The message says where and what is expected, e.g.
 * `Invalid policy file /app/policies.json: policies[1].broadcast must be an array of "read" and/or "write", got "rw"`.
 */
export class PolicyError extends Error {
  override name = 'PolicyError'
  readonly file: string | undefined
  readonly rule: number | undefined
  readonly field: string | undefined

  constructor(message: string, details: PolicyErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options)
    this.file = details.file
    this.rule = details.rule
    this.field = details.field
  }
}
