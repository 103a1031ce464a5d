// Everything a connection and its channels share, built once by startServer().
import type { Hub } from './hub.ts'
import type { Logger } from './log.ts'
import type { ResolvedOptions } from './options.ts'
import type { PresenceStore } from './presence.ts'
import type { RateCounter } from './rate.ts'
import type { MessageLog, StoredMessage } from './message-log.ts'
import type { Faults } from './faults.ts'
import type { PostgresFeed } from './postgres-feed.ts'

import type { VerifyResult } from './auth/index.ts'
import type { Permissions } from './policies/index.ts'

export type { Permissions } from './policies/index.ts'
export type Claims = Record<string, unknown>
export type Verified = VerifyResult

export interface Stats {
  sockets: number
  framesIn: number
  framesOut: number
  /** Heartbeats received (on the "phoenix" topic), answered or not. */
  heartbeats: number
  decodeErrors: number
  connectsRefused: number
}

export interface Context {
  options: ResolvedOptions
  log: Logger
  hub: Hub
  presence: PresenceStore
  messages: MessageLog
  faults: Faults
  stats: Stats
  joinRate: RateCounter
  eventRate: RateCounter
  /** Presence events (Realtime's presence_events counter: tracks, untracks, presence_state syncs). */
  presenceRate: RateCounter
  postgres: PostgresFeed
  /** Milliseconds since the epoch. */
  now(): number
  verify(token: unknown): Promise<Verified>
  /** `headers`: the request's (upgrade or REST), what policies read as `request.headers`. */
  authorize(subTopic: string, claims: Claims, headers?: Readonly<Record<string, string>>): Promise<Permissions>
  /** Private broadcasts of `subTopic` stored in realtime.messages since `since` (ms), newest `limit`, oldest first. */
  storedMessages(subTopic: string, since: number, limit: number): Promise<StoredMessage[]>
  /** Sockets with at least one joined channel, or a join under way that counted as one (see join-channel.ts). */
  activeSockets(): number
  /** Sockets whose first join is under way: counted by activeSockets() so that concurrent joins cannot overshoot. */
  joining: Set<object>
}
