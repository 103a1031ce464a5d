// What a policy grants on one topic: Realtime's Policies struct (broadcast/presence × read/write),
// as the RLS checks on realtime.messages would fill it (PROTOCOL.md §3.4).

import { isRecord } from '@shared-realtime/protocol'

export interface Permission {
  read: boolean
  write: boolean
}

export interface Permissions {
  broadcast: Permission
  presence: Permission
}

export type Capability = 'read' | 'write'
export type Extension = 'broadcast' | 'presence'

/** What a policy function may return: `true` grants everything, `false` nothing; omitted parts are denied. */
export type PolicyDecision =
  boolean | { broadcast?: boolean | Partial<Permission>; presence?: boolean | Partial<Permission> }

export const noPermissions = (): Permissions => ({
  broadcast: { read: false, write: false },
  presence: { read: false, write: false },
})

export const allPermissions = (): Permissions => ({
  broadcast: { read: true, write: true },
  presence: { read: true, write: true },
})

/** Grants `capabilities` of `extension` on top of `into` (mutates and returns it). */
export function grant(into: Permissions, extension: Extension, capabilities: readonly Capability[]): Permissions {
  for (const capability of capabilities) into[extension][capability] = true
  return into
}

/**
 * Reads a policy function's answer. Returns the permissions, or a sentence saying what is wrong
 * with the answer (which the caller logs, denying everything).
 */
export function readDecision(decision: unknown): Permissions | string {
  if (decision === true) return allPermissions()
  if (decision === false) return noPermissions()
  const expected = 'expected true, false or { broadcast?: { read?, write? }, presence?: { read?, write? } }'
  if (!isRecord(decision)) return `${expected}, got ${describeValue(decision)}`
  const result = noPermissions()
  for (const key of Object.keys(decision)) {
    if (key !== 'broadcast' && key !== 'presence') return `${expected}, got unknown key "${key}"`
    const part = decision[key]
    if (part === undefined) continue
    if (typeof part === 'boolean') {
      result[key] = { read: part, write: part }
      continue
    }
    if (!isRecord(part)) return `${expected}, got ${key}: ${describeValue(part)}`
    for (const capability of Object.keys(part)) {
      const value = part[capability]
      if ((capability !== 'read' && capability !== 'write') || (value !== undefined && typeof value !== 'boolean')) {
        return `${expected}, got ${key}.${capability}: ${describeValue(value)}`
      }
      result[key][capability] = value === true
    }
  }
  return result
}

/** A short, readable rendering of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined'
  if (typeof value === 'function') return 'a function'
  if (typeof value === 'bigint' || typeof value === 'symbol') return String(value)
  let text: string
  try {
    text = JSON.stringify(value) ?? String(value)
  } catch {
    text = String(value)
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}
