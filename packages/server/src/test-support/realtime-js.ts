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

/** Collects the payloads of one listener, with a way to wait for the n-th. */
export function collector<T>() {
  const items: T[] = []
  const waiters: Array<() => void> = []
  return {
    items,
    push: (item: T) => {
      items.push(item)
      for (const wake of waiters.splice(0)) wake()
    },
    async count(n: number, timeoutMs = 5000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs
      while (items.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} items, got ${items.length}: ${JSON.stringify(items)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now())
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return items
    },
  }
}
