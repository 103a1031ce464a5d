// The e2e run's dev server, seen from the tests (Node side): its admin API. The
// service_role key is the one every local Supabase prints for the default development
// secret (the dev server mints the same); it never reaches a page.
import { realtimePort } from '../playwright.config.ts'

const SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU'

export async function admin<T = unknown>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${realtimePort}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${SERVICE_ROLE_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as T
}

export interface Stats {
  sockets: number
  channels: number
  topics: number
  framesIn: number
  framesOut: number
}

/**
 * A watcher outside the browser under test: a plain WebSocket client (Node's `ws`) joined
 * to `topic` with presence on, keeping the presence state as the server reports it.
 */
export async function watchPresence(topic: string): Promise<{ keys(): string[]; metas(key: string): unknown[]; close(): void }> {
  const { WebSocket } = await import('ws')
  const anon =
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0'
  const ws = new WebSocket(`ws://127.0.0.1:${realtimePort}/realtime/v1/websocket?apikey=${anon}&vsn=2.0.0`)
  const state = new Map<string, Map<string, unknown>>()
  type Metas = Record<string, { metas: Array<{ phx_ref: string }> }>
  const apply = (joins: Metas, leaves: Metas) => {
    for (const [key, { metas }] of Object.entries(leaves)) for (const meta of metas) state.get(key)?.delete(meta.phx_ref)
    for (const [key, { metas }] of Object.entries(joins)) {
      const entry = state.get(key) ?? new Map<string, unknown>()
      for (const meta of metas) entry.set(meta.phx_ref, meta)
      state.set(key, entry)
    }
    for (const [key, entry] of state) if (entry.size === 0) state.delete(key)
  }
  ws.on('message', (data: Buffer) => {
    const [, , , event, payload] = JSON.parse(data.toString()) as [unknown, unknown, string, string, unknown]
    if (event === 'presence_state') {
      state.clear()
      apply(payload as Metas, {})
    } else if (event === 'presence_diff') {
      const diff = payload as { joins: Metas; leaves: Metas }
      apply(diff.joins, diff.leaves)
    }
  })
  await new Promise((resolve, reject) => {
    ws.once('open', resolve)
    ws.once('error', reject)
  })
  ws.send(JSON.stringify(['1', '1', `realtime:${topic}`, 'phx_join', { config: { presence: { key: 'watcher', enabled: true } } }]))
  const heartbeat = setInterval(() => ws.send(JSON.stringify([null, 'hb', 'phoenix', 'heartbeat', {}])), 20_000)
  return {
    keys: () => [...state.keys()].toSorted(),
    metas: (key) => [...(state.get(key)?.values() ?? [])],
    close: () => {
      clearInterval(heartbeat)
      ws.close()
    },
  }
}
