// Helpers for the host browser tests: an engine config for the test dev server (each test
// its own `params.test`, hence its own engine), an event log to await events from (no
// sleeping: a waiter resolves on the matching event; the timeout only guards a failure),
// and the dev server's admin stats.

import { inject } from 'vitest'
import { commands } from 'vitest/browser'
import type { EngineEvent, SubscriptionSpec } from '@shared-realtime/engine'
import type { EngineConfig } from '../protocol.ts'

let configs = 0

/** A config of its own (one engine, one socket per worker), closing the socket at once when idle. */
export function testConfig(name: string): EngineConfig {
  const { url, anon } = inject('realtime')
  return {
    endPoint: url,
    params: { apikey: anon, test: `${name}-${Date.now().toString(36)}-${configs++}` },
    vsn: '2.0.0',
    timeout: 10_000,
    heartbeatIntervalMs: 25_000,
    disconnectOnEmptyChannelsAfterMs: 0,
  }
}

export const broadcastSpec: SubscriptionSpec = { config: { broadcast: { self: false } }, postgres: [], presence: false }

export const subscribed = (sub: string) => (e: EngineEvent) =>
  e.type === 'status' && e.sub === sub && e.status === 'SUBSCRIBED'
export const resubscribed = (sub: string) => (e: EngineEvent) =>
  e.type === 'system' && e.sub === sub && e.payload.message === 'resubscribed'
export const broadcastTo = (sub: string) => (e: EngineEvent) => e.type === 'broadcast' && e.sub === sub

export class EventLog {
  readonly events: EngineEvent[] = []
  readonly #waiters = new Set<{ match: (e: EngineEvent) => boolean; from: number; resolve: (e: EngineEvent) => void }>()

  readonly push = (batch: EngineEvent[]): void => {
    for (const event of batch) {
      this.events.push(event)
      for (const waiter of this.#waiters) {
        if (waiter.match(event)) {
          this.#waiters.delete(waiter)
          waiter.resolve(event)
        }
      }
    }
  }

  /** The first event from index `from` on that matches (one already logged, or the next one). */
  waitFor(match: (e: EngineEvent) => boolean, what: string, from = 0, timeoutMs = 10_000): Promise<EngineEvent> {
    const logged = this.events.slice(from).find(match)
    if (logged) return Promise.resolve(logged)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new Error(`no ${what} within ${timeoutMs} ms; events: ${JSON.stringify(this.events.slice(from))}`))
      }, timeoutMs)
      const waiter = { match, from, resolve: (e: EngineEvent) => (clearTimeout(timer), resolve(e)) }
      this.#waiters.add(waiter)
    })
  }
}

export interface Stats {
  sockets: number
  activeSockets: number
  channels: number
}

export async function stats(): Promise<Stats> {
  const res = await commands.realtimeAdmin('/admin/stats')
  return res.body as Stats
}
