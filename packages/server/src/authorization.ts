// How the dev server decides what a user may do on a private channel (PROTOCOL.md §3.4):
// - service_role: everything (it bypasses RLS on Supabase);
// - otherwise the union of the project's RLS policies on realtime.messages, evaluated as Supabase
//   Realtime does (postgres/authorize.ts), and the `policies` option (policy file, rules or
//   function; default none), which acts as one more permissive policy: a shortcut for projects
//   without SQL policies. With neither, private channels are denied (RLS on, no policy).
// A broken SQL policy denies what SQL would have granted and is logged as RlsPolicyError, as
// Realtime logs it; the policy file still applies.

import type { Logger } from './log.ts'
import { allPermissions, type Permissions, type PolicySet } from './policies/index.ts'
import type { Database } from './postgres/index.ts'

export type Authorize = (
  subTopic: string,
  claims: Record<string, unknown>,
  headers?: Readonly<Record<string, string>>,
) => Promise<Permissions>

function union(a: Permissions, b: Permissions): Permissions {
  return {
    broadcast: { read: a.broadcast.read || b.broadcast.read, write: a.broadcast.write || b.broadcast.write },
    presence: { read: a.presence.read || b.presence.read, write: a.presence.write || b.presence.write },
  }
}

export function createAuthorize(policies: PolicySet, db: Pick<Database, 'authorize'>, log: Logger): Authorize {
  return async (subTopic, claims, headers = {}) => {
    if (claims.role === 'service_role') return allPermissions()
    const [fromFile, fromSql] = await Promise.all([
      policies.authorize({ topic: subTopic, claims, headers }).catch((error: unknown) => {
        log.error(`RlsPolicyError on ${subTopic}: ${String(error)}`)
        return undefined
      }),
      db.authorize({ topic: subTopic, claims, headers }),
    ])
    let permissions = fromFile ?? {
      broadcast: { read: false, write: false },
      presence: { read: false, write: false },
    }
    if (fromSql.ok) permissions = union(permissions, fromSql.permissions)
    else log.error(`RlsPolicyError on ${subTopic}: ${fromSql.error}`)
    return permissions
  }
}
