// Authorization for private channels, standing in for RLS on realtime.messages (PROTOCOL.md §3.4):
// policy files and functions, the permissions they grant, and Realtime's texts for a refusal.
export { loadPolicies } from './load.ts'
export { noPolicies, policiesFromFunction, policiesFromRules } from './policy-set.ts'
export type { PolicyFunction, PolicyLogger, PolicyOptions, PolicyRequest, PolicySet } from './policy-set.ts'
export type { PolicyRule } from './rules.ts'
export { PolicyError } from './errors.ts'
export type { PolicyErrorDetails } from './errors.ts'
export { allPermissions, noPermissions } from './permissions.ts'
export type { Capability, Extension, Permission, Permissions, PolicyDecision } from './permissions.ts'
export { accessTokenRecheck, canRead, readDeniedMessage, readRevokedMessage, unauthorizedReason } from './messages.ts'
