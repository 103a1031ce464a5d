// Reading a phx_join payload the way Realtime does (PROTOCOL.md §3.1): lenient.
// Invalid fields fall back to their defaults instead of failing the join; booleans
// may be "true"/"false" strings; null postgres_changes entries are dropped.
// Not supported: the legacy API (a join without `config`, where the topic itself names
// a table); such a join is treated as an empty config.

import { isRecord } from '@shared-realtime/protocol'

export interface JoinConfig {
  self: boolean
  ack: boolean
  replicationReady: boolean
  replay: { since: number; limit: number } | 'invalid' | undefined
  presenceEnabled: boolean
  /** '' or absent: the server picks a key per join. */
  presenceKey: string
  isPrivate: boolean
  postgresChanges: unknown[]
}

function flexibleBool(value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value
  if (typeof value === 'string') {
    const lower = value.toLowerCase()
    if (lower === 'true') return true
    if (lower === 'false') return false
  }
  return fallback
}

function replayOf(value: unknown): JoinConfig['replay'] {
  if (value === undefined || value === null) return undefined
  if (!isRecord(value)) return 'invalid'
  const since = value.since ?? 0
  const limit = value.limit ?? 10
  if (typeof since !== 'number' || !Number.isInteger(since) || typeof limit !== 'number' || !Number.isInteger(limit))
    return 'invalid'
  return { since, limit: Math.min(25, Math.max(1, limit)) }
}

export function readJoinConfig(payload: unknown): JoinConfig {
  const config = isRecord(payload) && isRecord(payload.config) ? payload.config : {}
  const broadcast = isRecord(config.broadcast) ? config.broadcast : {}
  const presence = isRecord(config.presence) ? config.presence : {}
  const key = presence.key
  return {
    self: flexibleBool(broadcast.self, false),
    ack: flexibleBool(broadcast.ack, false),
    replicationReady: flexibleBool(broadcast.replication_ready, false),
    replay: replayOf(broadcast.replay),
    presenceEnabled: flexibleBool(presence.enabled, false),
    presenceKey: typeof key === 'string' ? key : key === undefined || key === null ? '' : JSON.stringify(key),
    isPrivate: flexibleBool(config.private, false),
    postgresChanges: Array.isArray(config.postgres_changes) ? config.postgres_changes.filter((e) => e !== null) : [],
  }
}
