// The one server channel of a topic joins with the union of what its tab subscriptions
// ask for (DESIGN.md "Many tabs, one socket", rules 1-4):
// - broadcast: always {ack: true, self: false}. The engine echoes a tab's broadcast to the
//   other tabs itself, once the server acknowledged it (so a broadcast the server drops,
//   e.g. without write permission, reaches no tab, as with one socket per tab); a tab that
//   did not ask for ack gets 'ok' at once, as realtime-js gives it.
// - presence: the key the subscriptions asked for (subscriptions.ts refuses a second one), '' when
//   none did; enabled if any subscription enables it or
//   listens to presence.
// - postgres_changes: every subscription's bindings, deduplicated; each subscription keeps
//   the index of each of its bindings in the union, to route changes by server id.
// - postgres_changes_options: `wait` if any asks it, the longest `timeout` (joinTimeoutOf: the join
//   timeout it implies).
// - broadcast.replication_ready: true if any subscription asks it (the server's `system` notice
//   answers the join; a subscription that asks it on a channel already told gets the notice from
//   the engine, server-channel.ts).
// - private / replay: the first subscription's (a later one that disagrees on `private` is
//   refused: one topic is one channel on a socket).

import {
  buildJoinPayload,
  type ChannelConfig,
  isSamePostgresChangesBinding,
  type JoinPayload,
  type PostgresChangesBinding,
} from '@shared-realtime/protocol'

export interface SubscriptionSpec {
  config: ChannelConfig
  postgres: PostgresChangesBinding[]
  /** Whether the tab listens to presence events (enables presence, as in realtime-js). */
  presence: boolean
}

export interface JoinUnion {
  payload: JoinPayload
  /** The payload without the token, as text: a change means the channel must rejoin. */
  key: string
  postgres: PostgresChangesBinding[]
  /** For each spec, the union index of each of its postgres bindings. */
  indexes: number[][]
}

export function joinUnion(topic: string, specs: readonly SubscriptionSpec[], token: string | null): JoinUnion {
  const first = specs[0]?.config ?? {}
  const postgres: PostgresChangesBinding[] = []
  const indexes = specs.map((spec) =>
    spec.postgres.map((binding) => {
      const at = postgres.findIndex((b) => isSamePostgresChangesBinding(b, binding))
      if (at >= 0) return at
      postgres.push(binding)
      return postgres.length - 1
    }),
  )
  const presenceEnabled = specs.some((s) => s.presence || s.config.presence?.enabled === true)
  const config: ChannelConfig = {
    broadcast: { ack: true, self: false },
    // the key one of them asked for (they agree: subscriptions.ts refuses another), else '' (the server makes one)
    presence: { key: specs.find((s) => s.config.presence?.key)?.config.presence?.key ?? '', enabled: presenceEnabled },
    private: first.private === true,
  }
  const waits = postgresWaitOptions(specs)
  if (waits) config.postgres_changes_options = waits
  if (first.broadcast?.replay) config.broadcast!.replay = first.broadcast.replay
  // replication_ready if any asks (a later subscription that asks makes the channel rejoin with it: the server's
  // notice answers a join), else the first's
  const replication = specs.find((s) => s.config.broadcast?.replication_ready === true)?.config ?? first
  if (replication.broadcast?.replication_ready !== undefined)
    config.broadcast!.replication_ready = replication.broadcast.replication_ready
  const payload = buildJoinPayload({ topic, config, postgresChanges: postgres, accessToken: token })
  const { access_token: _token, ...rest } = payload
  return { payload, key: JSON.stringify(rest), postgres, indexes }
}

/** realtime-js's wait for a postgres_changes subscription when the join asks for none (2.113). */
export const DEFAULT_POSTGRES_CHANGES_WAIT_MS = 15_000

/**
 * The union of the subscriptions' `postgres_changes_options` (realtime-js 2.113): `wait` if any asks the server to
 * hold the join reply until its postgres_changes subscription is up, with the longest `timeout` given.
 */
function postgresWaitOptions(specs: readonly SubscriptionSpec[]): { wait?: boolean; timeout?: number } | undefined {
  const given = specs.flatMap((s) => (s.config.postgres_changes_options ? [s.config.postgres_changes_options] : []))
  if (given.length === 0) return undefined
  const options: { wait?: boolean; timeout?: number } = {}
  if (given.some((o) => o.wait !== undefined)) options.wait = given.some((o) => o.wait === true)
  const timeouts = given.flatMap((o) => (typeof o.timeout === 'number' ? [o.timeout] : []))
  if (timeouts.length > 0) options.timeout = Math.max(...timeouts)
  return options
}

/**
 * The join's timeout (realtime-js 2.113): a join that waits for its postgres_changes subscription gets
 * max(timeout, wait timeout + 10 s); any other, `timeoutMs`.
 */
export function joinTimeoutOf(union: JoinUnion, timeoutMs: number): number {
  const options = union.payload.config.postgres_changes_options
  if (!options?.wait || union.postgres.length === 0) return timeoutMs
  return Math.max(timeoutMs, (options.timeout ?? DEFAULT_POSTGRES_CHANGES_WAIT_MS) + 10_000)
}
