// Private-channel authorization by the project's RLS policies on realtime.messages, the way
// Supabase Realtime checks them (supabase/realtime lib/realtime/tenants/authorization.ex;
// PROTOCOL.md §3.4), in one transaction that is always rolled back:
// 1. read: probe rows (topic, extension 'broadcast' / 'presence') are inserted as the server's own
//    user; then the session takes the user's role and claims (`role`, `realtime.topic`,
//    `request.jwt.claims`, `request.jwt.claim.sub`, `request.jwt.claim.role`, `request.headers`)
//    and selects them back: a probe that comes back under RLS grants that extension's read;
// 2. write: under the same settings, one insert per extension, each in a savepoint: success grants
//    write, `insufficient_privilege` (42501, RLS's "new row violates row-level security policy")
//    denies it, any other error is a broken policy.
// Supabase checks writes at the first broadcast / track; the dev server checks both at join and
// at each new access_token (the same answer unless the policies change in between).
// With no policy on realtime.messages the answer is "none" at once (RLS on, nothing granted),
// without touching the probes.
import { randomUUID } from 'node:crypto'
import type { QueryFn } from './drivers.ts'
import { HAS_MESSAGE_POLICIES_SQL } from './sql-supabase.ts'

export type RlsPermissions = {
  broadcast: { read: boolean; write: boolean }
  presence: { read: boolean; write: boolean }
}

export type RlsRequest = {
  /** The sub-topic, without "realtime:" (what `realtime.topic()` returns). */
  topic: string
  claims: Readonly<Record<string, unknown>>
  headers?: Readonly<Record<string, string>>
}

/** `policies: false`: realtime.messages has no policy. `error`: a policy failed (Realtime's RlsPolicyError). */
export type RlsAnswer = { ok: true; policies: boolean; permissions: RlsPermissions } | { ok: false; error: string }

const EXTENSIONS = ['broadcast', 'presence'] as const

const none = (): RlsPermissions => ({
  broadcast: { read: false, write: false },
  presence: { read: false, write: false },
})

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

export async function authorizeByRls(
  rolledBack: <T>(fn: (query: QueryFn) => Promise<T>) => Promise<T>,
  request: RlsRequest,
): Promise<RlsAnswer> {
  const { topic, claims } = request
  const role = typeof claims.role === 'string' ? claims.role : 'anon'
  const sub = typeof claims.sub === 'string' ? claims.sub : ''
  try {
    return await rolledBack(async (query): Promise<RlsAnswer> => {
      const { rows } = await query<{ has: boolean }>(HAS_MESSAGE_POLICIES_SQL)
      if (rows[0]?.has !== true) return { ok: true, policies: false, permissions: none() }
      const probes = EXTENSIONS.map((extension) => ({ extension, id: randomUUID() }))
      await query(
        `insert into realtime.messages (id, topic, extension) values ($1::uuid, $3, 'broadcast'), ($2::uuid, $3, 'presence')`,
        [probes[0]!.id, probes[1]!.id, topic],
      )
      await query(
        `select set_config('role', $1, true), set_config('realtime.topic', $2, true),
          set_config('request.jwt.claims', $3, true), set_config('request.jwt.claim.sub', $4, true),
          set_config('request.jwt.claim.role', $5, true), set_config('request.headers', $6, true)`,
        [role, topic, JSON.stringify(claims), sub, role, JSON.stringify(request.headers ?? {})],
      )
      const permissions = none()
      const seen = await query<{ id: string }>(
        `select id::text as id from realtime.messages where id = any($1::uuid[])`,
        [probes.map((p) => p.id)],
      )
      const visible = new Set(seen.rows.map((r) => r.id))
      for (const probe of probes) permissions[probe.extension].read = visible.has(probe.id)
      for (const extension of EXTENSIONS) {
        await query('savepoint realtime_dev_write_check')
        try {
          await query(`insert into realtime.messages (topic, extension) values ($1, $2)`, [topic, extension])
          permissions[extension].write = true
        } catch (error) {
          if (errorCode(error) !== '42501') throw error
        }
        await query('rollback to savepoint realtime_dev_write_check')
      }
      return { ok: true, policies: true, permissions }
    })
  } catch (error) {
    return { ok: false, error: errorText(error) }
  }
}
