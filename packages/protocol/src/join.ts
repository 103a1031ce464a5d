// The phx_join payload (PROTOCOL.md §3.1, REALTIME-JS.md §2.4), built the way
// realtime-js's subscribe() builds it:
//   {config: {broadcast: {ack, self, replay?, replication_ready?}, presence: {key, enabled},
//             postgres_changes: [...], private, postgres_changes_options?}, access_token?}
// Unlike realtime-js, which merges `config` shallowly (a `broadcast: {self: true}` of
// yours goes out without `ack`), every default is written out; the server reads the
// same values either way. Invalid options throw a TypeError naming the option.

import type { PostgresChangesBinding } from './postgres/bindings.ts'

export interface BroadcastConfig {
  /** Receive your own broadcasts. Default false. */
  self?: boolean
  /** Wait for the server to acknowledge each broadcast. Default false. */
  ack?: boolean
  /** Replay stored messages after joining (private channels only). `since` is ms since the epoch; `limit` ≤ 25. */
  replay?: { since: number; limit?: number }
  /** Ask for a `system` message once the replication connection is up. */
  replication_ready?: boolean
}

export interface PresenceConfig {
  /** The key your presence is stored under; '' lets the server pick a fresh UUID per join. */
  key?: string
  /** Receive presence events even without a presence listener. */
  enabled?: boolean
}

export interface ChannelConfig {
  broadcast?: BroadcastConfig
  presence?: PresenceConfig
  /** A private channel: access checked by RLS policies on realtime.messages. Default false. */
  private?: boolean
  postgres_changes_options?: { wait?: boolean; timeout?: number }
}

export interface JoinPayload {
  config: {
    broadcast: { ack: boolean; self: boolean; replay?: { since: number; limit?: number }; replication_ready?: boolean }
    presence: { key: string; enabled: boolean }
    postgres_changes: PostgresChangesBinding[]
    private: boolean
    postgres_changes_options?: { wait?: boolean; timeout?: number }
  }
  access_token?: string
}

export interface JoinPayloadInput {
  topic: string
  config?: ChannelConfig
  postgresChanges?: readonly PostgresChangesBinding[]
  /** Whether any `on('presence')` listener exists: that alone enables presence, as in realtime-js. */
  hasPresenceListeners?: boolean
  accessToken?: string | null
}

function optionError(topic: string, option: string, value: unknown, expected: string): TypeError {
  let shown: string
  try {
    shown = JSON.stringify(value) ?? String(value)
  } catch {
    shown = String(value)
  }
  return new TypeError(`channel "${topic}": config.${option} must be ${expected}, got ${shown}`)
}

function bool(topic: string, option: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw optionError(topic, option, value, 'true or false')
  return value
}

function replayOf(topic: string, config: ChannelConfig): BroadcastConfig['replay'] {
  const replay = config.broadcast?.replay
  if (replay === undefined) return undefined
  if (config.private !== true) {
    throw new TypeError(
      `channel "${topic}": config.broadcast.replay works only on private channels; set config.private: true`,
    )
  }
  if (
    typeof replay !== 'object' ||
    replay === null ||
    typeof replay.since !== 'number' ||
    !Number.isFinite(replay.since)
  ) {
    throw optionError(topic, 'broadcast.replay', replay, '{ since: <ms since epoch>, limit?: 1..25 }')
  }
  if (replay.limit !== undefined && (!Number.isInteger(replay.limit) || replay.limit < 1 || replay.limit > 25)) {
    throw optionError(topic, 'broadcast.replay.limit', replay.limit, 'an integer from 1 to 25')
  }
  return replay.limit === undefined ? { since: replay.since } : { since: replay.since, limit: replay.limit }
}

export function buildJoinPayload(input: JoinPayloadInput): JoinPayload {
  const { topic, config = {} } = input
  const broadcast: JoinPayload['config']['broadcast'] = {
    ack: bool(topic, 'broadcast.ack', config.broadcast?.ack, false),
    self: bool(topic, 'broadcast.self', config.broadcast?.self, false),
  }
  const replay = replayOf(topic, config)
  if (replay) broadcast.replay = replay
  if (config.broadcast?.replication_ready !== undefined) {
    broadcast.replication_ready = bool(topic, 'broadcast.replication_ready', config.broadcast.replication_ready, false)
  }
  const key = config.presence?.key ?? ''
  if (typeof key !== 'string') throw optionError(topic, 'presence.key', key, 'a string')
  const enabled =
    bool(topic, 'presence.enabled', config.presence?.enabled, false) || input.hasPresenceListeners === true
  const payload: JoinPayload = {
    config: {
      broadcast,
      presence: { key, enabled },
      postgres_changes: (input.postgresChanges ?? []).map((entry) => ({ ...entry })),
      private: bool(topic, 'private', config.private, false),
    },
  }
  if (config.postgres_changes_options !== undefined)
    payload.config.postgres_changes_options = { ...config.postgres_changes_options }
  if (typeof input.accessToken === 'string') payload.access_token = input.accessToken
  return payload
}
