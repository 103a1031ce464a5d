// The e2e run's dev server, seen from the tests (Node side): its admin API. The
// service_role key is the one every local Supabase prints for the default development
// secret (the dev server mints the same); it never reaches a page.
import { type AddressInfo, createServer, connect as netConnect, type Socket } from 'node:net'
import type { BrowserContext } from '@playwright/test'
import { realtimePort } from '../playwright.config.ts'
import { ChildServer } from '@shared-realtime/test-support/child-server'

const SERVICE_ROLE_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImV4cCI6MTk4MzgxMjk5Nn0.EGIM96RAZx35lJzdJsyH-qQwv8Hdp7fsn3W0YpN81IU'

export async function admin<T = unknown>(path: string, body?: unknown): Promise<T> {
  return adminAt<T>(realtimePort, path, body)
}

/** The admin API of the dev server on `port` (the e2e run's, or one a test started). */
export async function adminAt<T = unknown>(port: number, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
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

export const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZS1kZW1vIiwicm9sZSI6ImFub24iLCJleHAiOjE5ODM4MTI5OTZ9.CRXP1A7WOeoJeXxjNni43kdQwgnWNReilDMblYTn_I0'

export interface Watcher {
  /** Presence keys as the server reports them, sorted. */
  keys(): string[]
  metas(key: string): unknown[]
  /** Payloads of the broadcasts of `event` seen so far, in order. */
  broadcasts(event: string): unknown[]
  close(): void
}

/**
 * A watcher outside the browser under test: a plain WebSocket client (Node's `ws`) joined
 * to `topic` with presence on, keeping the presence state as the server reports it and every
 * broadcast. It reconnects (and rejoins) when its socket is dropped, so it survives the
 * faults a test injects into everyone (`dropSockets`).
 */
export async function watch(topic: string, port = realtimePort): Promise<Watcher> {
  const { WebSocket } = await import('ws')
  const state = new Map<string, Map<string, unknown>>()
  const seen: Array<{ event: string; payload: unknown }> = []
  let closed = false
  let socket: InstanceType<typeof WebSocket> | undefined
  type Metas = Record<string, { metas: Array<{ phx_ref: string }> }>
  const apply = (joins: Metas, leaves: Metas) => {
    for (const [key, { metas }] of Object.entries(leaves))
      for (const meta of metas) state.get(key)?.delete(meta.phx_ref)
    for (const [key, { metas }] of Object.entries(joins)) {
      const entry = state.get(key) ?? new Map<string, unknown>()
      for (const meta of metas) entry.set(meta.phx_ref, meta)
      state.set(key, entry)
    }
    for (const [key, entry] of state) if (entry.size === 0) state.delete(key)
  }
  const connect = () =>
    new Promise<void>((resolve, reject) => {
      // vsn 1.0.0: every frame is a JSON object, broadcasts included (V2 sends them binary)
      const ws = new WebSocket(`ws://127.0.0.1:${port}/realtime/v1/websocket?apikey=${ANON_KEY}&vsn=1.0.0`)
      socket = ws
      ws.on('message', (data: Buffer) => {
        const { event, payload } = JSON.parse(data.toString()) as { event: string; payload: unknown }
        if (event === 'presence_state') {
          state.clear()
          apply(payload as Metas, {})
        } else if (event === 'presence_diff') {
          const diff = payload as { joins: Metas; leaves: Metas }
          apply(diff.joins, diff.leaves)
        } else if (event === 'broadcast') {
          const message = payload as { event: string; payload: unknown }
          seen.push({ event: message.event, payload: message.payload })
        }
      })
      const heartbeat = setInterval(
        () => ws.send(JSON.stringify({ topic: 'phoenix', event: 'heartbeat', payload: {}, ref: 'hb' })),
        20_000,
      )
      ws.once('open', () => {
        const config = { presence: { key: 'watcher', enabled: true } }
        ws.send(
          JSON.stringify({
            topic: `realtime:${topic}`,
            event: 'phx_join',
            payload: { config },
            ref: '1',
            join_ref: '1',
          }),
        )
        resolve()
      })
      ws.once('error', reject)
      ws.once('close', () => {
        clearInterval(heartbeat)
        if (!closed) setTimeout(() => void connect().catch(() => undefined), 200) // rejoin after a dropped socket
      })
    })
  await connect()
  return {
    keys: () => [...state.keys()].toSorted(),
    metas: (key) => [...(state.get(key)?.values() ?? [])],
    broadcasts: (event) => seen.filter((b) => b.event === event).map((b) => b.payload),
    close: () => {
      closed = true
      socket?.close()
    },
  }
}

export interface Network {
  /** The URL to give the page instead of the dev server's (`?realtime=`). */
  httpUrl: string
  /** Down: every connection through it is cut at once and new ones are refused. */
  setDown(down: boolean): void
  close(): Promise<void>
}

/**
 * One browser's network to the dev server: a TCP proxy in front of `port`. Taking it down cuts
 * that browser off (its WebSocket and its REST calls) and nobody else, as when a laptop leaves
 * the Wi-Fi. Chromium's offline emulation (`context.setOffline`, CDP on the worker target)
 * does not do it: a SharedWorker's open WebSocket survives it, and so do its reconnects.
 */
export async function proxyNetwork(port: number): Promise<Network> {
  let down = false
  const open = new Set<Socket>()
  const proxy = createServer((client) => {
    if (down) return void client.destroy()
    const upstream = netConnect(port, '127.0.0.1')
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(a)
      a.on('close', () => {
        open.delete(a)
        b.destroy()
      })
      a.on('error', () => b.destroy())
      a.pipe(b)
    }
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  const address = proxy.address() as AddressInfo
  return {
    httpUrl: `http://127.0.0.1:${address.port}`,
    setDown(value) {
      down = value
      if (down) for (const socket of open) socket.destroy()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy()
        proxy.close(() => resolve())
      }),
  }
}

/** A browser context goes offline (or back): its pages see it (`navigator.onLine`, fetch), its network to the dev server is cut. */
export async function setOffline(context: BrowserContext, network: Network, offline: boolean): Promise<void> {
  network.setDown(offline)
  await context.setOffline(offline)
}

export type DevServer = ChildServer

/**
 * A dev server of the test's own, in a child process (so it can really be killed: `kill()`, then
 * `start()` again on the same port), with the demo routes and admin on and its database in a
 * temporary directory kept across restarts; `stop()` ends it and removes the directory.
 */
export async function spawnDevServer(): Promise<DevServer> {
  const server = new ChildServer({ args: ['--demo', '--no-limits'], persistent: true })
  await server.start()
  return server
}
