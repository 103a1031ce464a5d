// Shared pieces of the engine fault tests (issue #8): a dev server with its admin API on
// port 0, engines whose socket is recorded (every frame the engine sends, decoded, with the
// engine-clock time), tabs whose events are logged with their arrival time, and waits on
// any condition over those logs (re-checked on every event and frame; the timeout only
// guards a failure). Nothing here sleeps to make time pass.

import { createHmac } from 'node:crypto'
import { createSerializer, type Message } from '@shared-realtime/protocol'
import { startServer, type RunningServer, type ServerOptions } from '@shared-realtime/server'
import { afterAll, afterEach, beforeAll } from 'vitest'
import { WebSocket } from 'ws'
import {
  type Clock,
  Engine,
  type EngineEvent,
  type EngineOptions,
  type Session,
  type SocketLike,
  type WebSocketLikeConstructor,
} from '@shared-realtime/engine'

// ── the server ────────────────────────────────────────────────────────────────

export interface ServerHandle {
  url: string
  httpUrl: string
  keys: { anon: string; service_role: string }
  jwtSecret: string
}

/** One dev server (admin on, silent) for the file; fills in before the tests run. */
export function useFaultServer(options: ServerOptions = {}): { server: RunningServer } {
  const holder = {} as { server: RunningServer }
  beforeAll(async () => {
    holder.server = await startServer({ port: 0, log: 'silent', admin: true, ...options })
  })
  afterAll(async () => {
    await holder.server?.close()
  })
  return holder
}

export async function admin(server: ServerHandle, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${server.keys.service_role}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`)
  return text ? JSON.parse(text) : undefined
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')

/** An HS256 JWT for the dev server (role authenticated unless given); `expiresIn` seconds, negative = already expired. */
export function signJwt(secret: string, claims: Record<string, unknown>, expiresIn = 3600): string {
  const body = { role: 'authenticated', ...claims, exp: Math.floor(Date.now() / 1000) + expiresIn }
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(body))}`
  return `${head}.${b64url(createHmac('sha256', secret).update(head).digest())}`
}

// ── waiting on conditions ─────────────────────────────────────────────────────

const waiters = new Set<() => void>()

/** Re-checks every pending wait (called on each event, frame and settled send). */
export function notify(): void {
  for (const check of Array.from(waiters)) check()
}

/** Resolves with Date.now() once `condition()` holds; rejects after `timeoutMs` with `what()`. */
export function waitFor(condition: () => boolean, what: () => string, timeoutMs = 15_000): Promise<number> {
  if (condition()) return Promise.resolve(Date.now())
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => check(), 50) // conditions on state no event announces (e.g. a closed server)
    const timer = setTimeout(() => {
      done()
      reject(new Error(`not within ${timeoutMs} ms: ${what()}`))
    }, timeoutMs)
    const done = () => {
      waiters.delete(check)
      clearInterval(poll)
      clearTimeout(timer)
    }
    const check = () => {
      if (!condition()) return
      done()
      resolve(Date.now())
    }
    waiters.add(check)
  })
}

/** Lets real I/O run for `ms` (between warps of a WarpClock); never used to wait for an outcome. */
export const turns = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

// ── unhandled rejections ──────────────────────────────────────────────────────

export const unhandled: unknown[] = []
process.on('unhandledRejection', (reason) => unhandled.push(reason))

// ── the recorded socket ───────────────────────────────────────────────────────

export interface Wire {
  transport: WebSocketLikeConstructor
  /** Sockets the engine created. */
  sockets: number
  /** When each socket was created, on `clock`. */
  socketTimes: number[]
  /** Frames the engine sent, decoded, with the time on `clock`. */
  sent: Array<{ at: number; message: Message }>
  joins(topic?: string): Array<{ at: number; message: Message }>
}

const serverSide = createSerializer('2.0.0', { role: 'server' })

/** `ws`, recording every socket and frame (for counting joins and connects against a backoff). */
export function recordedWire(clock: Clock = { now: () => Date.now(), setTimeout, clearTimeout } as Clock): Wire {
  const wire: Wire = {
    transport: undefined as never,
    sockets: 0,
    socketTimes: [],
    sent: [],
    joins: (topic) =>
      wire.sent.filter((f) => f.message.event === 'phx_join' && (topic === undefined || f.message.topic === topic)),
  }
  class Recorded extends WebSocket {
    constructor(url: string) {
      super(url)
      wire.sockets++
      wire.socketTimes.push(clock.now())
      notify()
    }

    override send(data: unknown, ...rest: unknown[]): void {
      const decoded = serverSide.decode(data as string | ArrayBuffer)
      if (decoded.ok) wire.sent.push({ at: clock.now(), message: decoded.message })
      ;(super.send as (...args: unknown[]) => void)(data, ...rest)
      notify()
    }
  }
  wire.transport = Recorded as unknown as new (url: string) => SocketLike
  return wire
}

// ── engines and tabs ──────────────────────────────────────────────────────────

const engines: Engine[] = []
afterEach(() => {
  for (const engine of engines.splice(0)) engine.dispose()
})

/** An engine on `server` (disposed after the test); `wire` records its socket. */
export function faultEngine(server: ServerHandle, options: Partial<EngineOptions> = {}, wire?: Wire): Engine {
  const engine = new Engine({
    endPoint: server.url,
    params: { apikey: server.keys.anon },
    transport: (wire?.transport ?? WebSocket) as never,
    ...options,
  })
  engines.push(engine)
  return engine
}

/** A fast, bounded reconnect schedule for tests: 100, 200, 500, 1000 ms, then 1000. */
export const QUICK_RECONNECT = (tries: number): number => [100, 200, 500, 1000][Math.min(tries, 4) - 1] ?? 1000

export interface Logged {
  at: number
  event: EngineEvent
}

export class FaultTab {
  readonly id: string
  readonly session: Session
  readonly log: Logged[] = []

  constructor(engine: Engine, id: string) {
    this.id = id
    this.session = engine.attach(id, (batch) => {
      const at = Date.now()
      for (const event of batch) this.log.push({ at, event })
      this.session.ack(batch.length)
      notify()
    })
  }

  /** The index of the next event: the "since" of later checks. */
  mark(): number {
    return this.log.length
  }

  since(mark: number): EngineEvent[] {
    return this.log.slice(mark).map((l) => l.event)
  }

  /** The first event since `mark` that matches, with its arrival time. */
  find(mark: number, match: (e: EngineEvent) => boolean): Logged | undefined {
    return this.log.slice(mark).find((l) => match(l.event))
  }

  count(mark: number, match: (e: EngineEvent) => boolean): number {
    return this.log.slice(mark).filter((l) => match(l.event)).length
  }

  last(n = 8): string {
    return JSON.stringify(this.log.slice(-n).map((l) => l.event))
  }
}

export const spec = (config: Record<string, unknown> = {}, presence = false) =>
  ({ config, postgres: [], presence }) as never

export const isStatus = (sub: string, status: string) => (e: EngineEvent) =>
  e.type === 'status' && e.sub === sub && e.status === status
export const isResubscribed = (sub: string) => (e: EngineEvent) =>
  e.type === 'system' && e.sub === sub && (e.payload as { message?: unknown }).message === 'resubscribed'
export const isConnection = (state: string) => (e: EngineEvent) => e.type === 'connection' && e.state === state
export const isBroadcast = (sub: string, event: string) => (e: EngineEvent) =>
  e.type === 'broadcast' && e.sub === sub && e.payload.event === event

/** The presence keys `sub` sees after `mark`, and whether a full state arrived since (a rejoin). */
export function presenceSince(tab: FaultTab, sub: string, mark: number): { state: boolean; keys: Set<string> } {
  const keys = new Set<string>()
  let state = false
  for (const e of tab.since(mark)) {
    if (e.type === 'presence-state' && e.sub === sub) {
      state = true
      keys.clear()
      for (const k of Object.keys(e.state)) keys.add(k)
    } else if (e.type === 'presence-diff' && e.sub === sub) {
      for (const k of Object.keys(e.diff.leaves)) keys.delete(k)
      for (const k of Object.keys(e.diff.joins)) keys.add(k)
    }
  }
  return { state, keys }
}
