// WebSocket upgrades (PROTOCOL.md §1.1): /realtime/v1/websocket or /socket/websocket,
// `apikey` (the x-api-key header wins over the query parameter), `vsn` negotiated as
// Phoenix does (1.0.x → V1 JSON, 2.0.x → V2, anything else → 403, none → the default).
// A refused token is answered with the HTTP status and JSON body Realtime uses, after
// `connectErrorDelayMs`.

import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Vsn } from '@shared-realtime/protocol'
import type { WebSocketServer } from 'ws'
import { connectFailure } from './auth/index.ts'
import { Connection } from './connection.ts'
import type { Context } from './context.ts'
import { headerMap, refuseUpgrade } from './http-util.ts'

export const SOCKET_PATHS = ['/realtime/v1/websocket', '/socket/websocket']

export function negotiateVsn(requested: string | null, fallback: Vsn): Vsn | undefined {
  if (requested === null) return fallback
  if (/^1\.0\.\d+$/.test(requested)) return '1.0.0'
  if (/^2\.0\.\d+$/.test(requested)) return '2.0.0'
  return undefined
}

export interface UpgradeDeps {
  ctx: Context
  wss: WebSocketServer
  connections: Set<Connection>
  accepting(): boolean
}

export async function handleUpgrade(
  deps: UpgradeDeps,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  const { ctx, wss } = deps
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (!SOCKET_PATHS.includes(url.pathname)) return refuseUpgrade(socket, 404)
  if (!deps.accepting()) return refuseUpgrade(socket, 503, { error: 'Realtime is restarting, please standby' })
  const vsn = negotiateVsn(url.searchParams.get('vsn'), ctx.options.vsnDefault)
  if (!vsn) return refuseUpgrade(socket, 403)
  const header = req.headers['x-api-key']
  const token = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('apikey') ?? undefined
  const refuse = async (failure: { status: number; body: { error: string } }) => {
    ctx.stats.connectsRefused++
    if (ctx.options.connectErrorDelayMs > 0) await new Promise((r) => setTimeout(r, ctx.options.connectErrorDelayMs))
    ctx.log.info(`connect refused: ${failure.status} ${failure.body.error}`)
    refuseUpgrade(socket, failure.status, failure.body)
  }
  if (!token) return refuse(connectFailure('missing'))
  const verified = await ctx.verify(token)
  if (!verified.ok) return refuse(connectFailure(verified))
  if (ctx.activeSockets() >= ctx.options.limits.maxConcurrentUsers) {
    return refuse({ status: 429, body: { error: 'Too many connected users' } })
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    const connection = new Connection(ctx, ws, vsn, token, verified.claims, headerMap(req.headers))
    deps.connections.add(connection)
    ctx.stats.sockets++
    ws.on('close', () => deps.connections.delete(connection))
    ctx.log.info(`socket ${connection.id}: connected (vsn ${vsn}, role ${String(verified.claims.role)})`)
  })
}
