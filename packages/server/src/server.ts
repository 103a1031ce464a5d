// startServer(): the HTTP server (REST, admin), the WebSocket endpoint, the database
// and everything they share. Returns the URLs and keys a client needs, and close().

import { readFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { handleAdmin } from './admin.ts'
import { createAuthorize } from './authorization.ts'
import { DEFAULT_JWT_SECRET, mintKeys, verifyToken } from './auth/index.ts'
import type { Connection } from './connection.ts'
import type { Context } from './context.ts'
import { broadcastFromDatabase } from './database-broadcast.ts'
import { DEMO_SQL, handleDemo } from './demo/index.ts'
import { Faults } from './faults.ts'
import { refuseUpgrade, sendJson } from './http-util.ts'
import { Hub } from './hub.ts'
import { createLogger } from './log.ts'
import { MessageLog } from './message-log.ts'
import { resolveOptions, type ServerOptions } from './options.ts'
import { loadPolicies, type PolicySet } from './policies/index.ts'
import { openDatabase } from './postgres/index.ts'
import { PostgresFeed } from './postgres-feed.ts'
import { PresenceStore } from './presence.ts'
import { RateCounter } from './rate.ts'
import { corsPreflight, CORS_HEADERS } from './rest/index.ts'
import { handleRest, isRestPath } from './rest-routes.ts'
import { createRequestGuard } from './request-guard.ts'
import { handleUpgrade } from './upgrade.ts'

const now = () => Date.now()

export interface RunningServer {
  /** The base URL a client is given, e.g. ws://127.0.0.1:4000/realtime/v1 (realtime-js appends /websocket). */
  url: string
  /** http://127.0.0.1:4000 */
  httpUrl: string
  port: number
  keys: { anon: string; service_role: string }
  jwtSecret: string
  close(): Promise<void>
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const opts = resolveOptions(options, DEFAULT_JWT_SECRET)
  const log = createLogger(opts.log)
  const policies: PolicySet =
    options.policies === undefined || typeof options.policies === 'string'
      ? await loadPolicies(options.policies as string | undefined)
      : (options.policies as PolicySet)
  const db = await openDatabase({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
    log: (level: string, message: string) =>
      level === 'error' ? log.error(message) : level === 'warn' ? log.warn(message) : log.debug(message),
  })
  if (options.sql !== undefined) {
    const sql = typeof options.sql === 'string' ? options.sql : await readFile(options.sql.file, 'utf8')
    await db.exec(sql)
    if (!db.autoSync) await db.syncTriggers()
  }
  if (opts.demo) {
    await db.exec(DEMO_SQL)
    if (!db.autoSync) await db.syncTriggers()
  }
  const connections = new Set<Connection>()
  const ctx: Context = {
    options: opts,
    log,
    hub: new Hub(),
    presence: new PresenceStore(),
    messages: new MessageLog(now, { ...opts.limits.storedMessages }),
    faults: new Faults(),
    stats: { sockets: 0, framesIn: 0, framesOut: 0, heartbeats: 0, decodeErrors: 0, connectsRefused: 0 },
    // Supabase averages 5-second buckets, so a burst shorter than a bucket is averaged over
    // at least 5 s: a window of 5 s, not 1 s (a reconnecting client's backlog must not trip it;
    // a burst of 150 joins passes, as on Supabase)
    joinRate: new RateCounter(5000, now),
    eventRate: new RateCounter(5000, now),
    presenceRate: new RateCounter(5000, now),
    postgres: new PostgresFeed(db, log),
    now,
    verify: (token) => verifyToken(token, opts.jwtSecret, now() / 1000),
    authorize: createAuthorize(policies, db, log),
    storedMessages: async (subTopic, since, limit) =>
      (await db.storedMessages(subTopic, since, limit)).map((m) => ({
        id: m.id,
        insertedAt: m.insertedAt,
        event: m.event,
        payload: m.binary ?? m.payload,
        binary: m.binary !== undefined,
      })),
    joining: new Set(),
    activeSockets: () => {
      let n = 0
      for (const c of connections) if (c.channels.size > 0 || ctx.joining.has(c)) n++
      return n
    },
  }

  const stopDatabaseBroadcast = broadcastFromDatabase(ctx, db)

  let accepting = true
  // skipUTF8Validation: Realtime's endpoint sets validate_utf8: false, so a text frame with invalid UTF-8 does not
  // close the socket (1007); connection.ts drops it as a malformed message, as Realtime's JSON decode fails on it
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxFrameBytes,
    perMessageDeflate: false,
    skipUTF8Validation: true,
  })
  const restart = async (downMs: number) => {
    accepting = false
    log.info(`restart: closing ${connections.size} sockets${downMs ? `, accepting again in ${downMs} ms` : ''}`)
    // as Realtime's graceful drain (§5, T12): a system notice on every joined topic, then close 1012
    for (const connection of Array.from(connections)) {
      for (const topic of connection.channels.keys()) {
        connection.send({
          join_ref: null,
          ref: null,
          topic,
          event: 'system',
          payload: { extension: 'system', message: 'Server requested disconnect', status: 'ok' },
        })
      }
      connection.close(1012, 'service restart')
    }
    await new Promise((r) => setTimeout(r, downMs))
    accepting = true
  }

  const guard = createRequestGuard(opts)
  const onRequest = async (req: IncomingMessage, res: ServerResponse) => {
    const refusal = guard(req.headers)
    if (refusal) {
      log.warn(`http ${req.method} refused: ${refusal.body.message}`)
      return sendJson(res, refusal.status, refusal.body)
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://localhost')
    } catch {
      return sendJson(res, 400, { message: 'Bad request: the request target is not a valid path' })
    }
    if (isRestPath(url.pathname)) {
      if (req.method === 'OPTIONS') {
        const preflight = corsPreflight(req.headers['access-control-request-headers'])
        res.writeHead(preflight.status, preflight.headers).end()
        return
      }
      return handleRest(ctx, req, res, url)
    }
    if (url.pathname.startsWith('/admin/') && opts.admin) {
      return handleAdmin(
        { ctx, connections, query: (sql, params) => db.query(sql, params), restart },
        req,
        res,
        url.pathname,
      )
    }
    if ((url.pathname === '/demo' || url.pathname.startsWith('/demo/')) && opts.demo) {
      return handleDemo({ ctx, query: (sql, params) => db.query(sql, params) }, req, res, url)
    }
    sendJson(res, 404, { message: `Not found: ${req.method} ${url.pathname}` }, CORS_HEADERS)
  }
  const http = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      log.error(`http ${req.method} ${req.url}: ${error instanceof Error ? error.stack : String(error)}`)
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal server error' })
      else res.destroy()
    })
  })
  http.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy())
    const refusal = guard(req.headers)
    if (refusal) {
      ctx.stats.connectsRefused++
      log.warn(`upgrade refused: ${refusal.body.message}`)
      return refuseUpgrade(socket, refusal.status, refusal.body)
    }
    handleUpgrade({ ctx, wss, connections, accepting: () => accepting }, req, socket, head).catch((error: unknown) => {
      log.error(`upgrade: ${error instanceof Error ? error.stack : String(error)}`)
      socket.destroy()
    })
  })
  http.maxConnections = opts.limits.maxConnections
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject)
    http.listen(opts.port, opts.host, () => {
      http.off('error', reject)
      resolve()
    })
  })
  const { port } = http.address() as AddressInfo
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host
  const keys = await mintKeys(opts.jwtSecret)
  log.info(`listening on http://${host}:${port} (database: ${db.kind})`)

  let closing: Promise<void> | undefined
  return {
    url: `ws://${host}:${port}/realtime/v1`,
    httpUrl: `http://${host}:${port}`,
    port,
    keys,
    jwtSecret: opts.jwtSecret,
    close: () =>
      (closing ??= (async () => {
        for (const connection of Array.from(connections)) connection.close()
        wss.close()
        http.closeAllConnections()
        await new Promise<void>((resolve) => http.close(() => resolve()))
        stopDatabaseBroadcast()
        ctx.postgres.close()
        await db.close()
      })()),
  }
}
