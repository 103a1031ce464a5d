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
