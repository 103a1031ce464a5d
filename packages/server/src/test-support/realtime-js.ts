// Helpers for tests that drive the dev server with the official @supabase/realtime-js.
import { type RealtimeChannel, RealtimeClient } from '@supabase/realtime-js'
import { WebSocket } from 'ws'

export function realtimeJs(url: string, apikey: string, options: Record<string, unknown> = {}): RealtimeClient {
  return new RealtimeClient(url, { params: { apikey }, transport: WebSocket as never, ...options })
}

/** Subscribes and resolves with the first status (SUBSCRIBED, CHANNEL_ERROR, …) and its error. */
export function subscribe(channel: RealtimeChannel): Promise<{ status: string; error?: Error }> {
  return new Promise((resolve) => channel.subscribe((status, error) => resolve(error ? { status, error } : { status })))
}

/** Collects the payloads of one listener, with a way to wait for the n-th (the client's tests use the same). */
export { collector } from '@shared-realtime/test-support/collector'
