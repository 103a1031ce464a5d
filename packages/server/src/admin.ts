// /admin/* — only with --admin, and only with a token whose role is service_role.
//   GET  /admin/stats    sockets, channels, topics, frames in/out, …
//   POST /admin/sql      { sql, params? } → { rows }
//   POST /admin/faults   one or more of:
//        dropSockets: true | { code }        every socket cut (abrupt) or closed with a close frame
//        heartbeats: 'ignore' | 'answer'     withhold or answer heartbeat replies
//        joins: { delayMs } | { refuse: reason } | 'normal'
//        expireTokens: true                  every channel shut down as at token expiry
//        malformed: 'json' | 'binary'        one bad frame to every socket
//        reset: true                         all persistent faults off
//   POST /admin/restart  { downMs? }         close everything, keep the data, accept again
//   POST /admin/blast    { topic, event?, count, ratePerSec?, payloadBytes? }
//                        server-generated broadcasts `{ seq, t }` for benchmarks; answers when done

import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRecord } from '@shared-realtime/protocol'
import type { Connection } from './connection.ts'
import type { Context } from './context.ts'
import { parseBlast, runBlast } from './blast.ts'
import { bearer, BodyTooLarge, readBody, sendJson } from './http-util.ts'

export interface AdminDeps {
  ctx: Context
  connections: ReadonlySet<Connection>
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>
  restart(downMs: number): Promise<void>
}

class BadRequest extends Error {}

function applyFaults(deps: AdminDeps, body: Record<string, unknown>): string[] {
  const { ctx, connections } = deps
  const done: string[] = []
  const known = new Set(['dropSockets', 'heartbeats', 'joins', 'expireTokens', 'malformed', 'reset'])
  for (const key of Object.keys(body)) {
    if (!known.has(key)) throw new BadRequest(`unknown fault "${key}"; known: ${[...known].join(', ')}`)
  }
  if (body.reset === true) {
    ctx.faults.reset()
    done.push('reset')
  }
  if (body.heartbeats !== undefined) {
    if (body.heartbeats !== 'ignore' && body.heartbeats !== 'answer')
      throw new BadRequest('heartbeats must be "ignore" or "answer"')
    ctx.faults.heartbeats = body.heartbeats
    done.push(`heartbeats=${body.heartbeats}`)
  }
  if (body.joins !== undefined) {
    const joins = body.joins
    if (joins === 'normal') ctx.faults.joins = { delayMs: 0 }
    else if (isRecord(joins) && typeof joins.delayMs === 'number' && joins.delayMs >= 0)
      ctx.faults.joins = { delayMs: joins.delayMs }
    else if (isRecord(joins) && typeof joins.refuse === 'string')
      ctx.faults.joins = { delayMs: 0, refuse: joins.refuse }
    else throw new BadRequest('joins must be "normal", { "delayMs": <ms> } or { "refuse": "<reason>" }')
    done.push(`joins=${JSON.stringify(body.joins)}`)
  }
  if (body.expireTokens !== undefined) {
    if (body.expireTokens !== true) throw new BadRequest('expireTokens must be true')
    for (const connection of connections)
      for (const channel of Array.from(connection.channels.values()))
        channel.shutdown('Token has expired 0 seconds ago')
    done.push('expireTokens')
  }
  if (body.malformed !== undefined) {
    if (body.malformed !== 'json' && body.malformed !== 'binary')
      throw new BadRequest('malformed must be "json" or "binary"')
    const frame = body.malformed === 'json' ? '{"this is": not json' : new Uint8Array([4, 200, 1, 0, 1, 0x72]).buffer
    for (const connection of connections) connection.sendFrame(frame)
    done.push(`malformed=${body.malformed}`)
  }
  if (body.dropSockets !== undefined) {
    const drop = body.dropSockets
    const code = isRecord(drop) ? drop.code : undefined
    if (drop !== true && !(typeof code === 'number' && Number.isInteger(code)))
      throw new BadRequest('dropSockets must be true or { "code": <close code> }')
    for (const connection of Array.from(connections)) connection.close(typeof code === 'number' ? code : undefined)
    done.push(`dropSockets${typeof code === 'number' ? `=${code}` : ''}`)
  }
  return done
}

export async function handleAdmin(
  deps: AdminDeps,
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
): Promise<void> {
  const { ctx } = deps
  const token = bearer(req) ?? (req.headers.apikey as string | undefined)
  const verified = token ? await ctx.verify(token) : undefined
  if (!verified?.ok || verified.claims.role !== 'service_role') {
    return sendJson(res, 401, { message: 'The admin API needs the service_role key as "Authorization: Bearer <key>"' })
  }
  const route = `${req.method} ${pathname}`
  try {
    if (route === 'GET /admin/stats') {
      const { stats, hub, presence } = ctx
      return sendJson(res, 200, {
        ...stats,
        channels: hub.channelCount,
        topics: hub.topicCount,
        presences: presence.size,
        activeSockets: ctx.activeSockets(),
      })
    }
    const raw = await readBody(req, 10_000_000)
    let body: unknown = {}
    try {
      body = raw.byteLength ? JSON.parse(raw.toString('utf8')) : {}
    } catch {
      throw new BadRequest('the request body is not valid JSON')
    }
    if (!isRecord(body)) throw new BadRequest('the request body must be a JSON object')
    if (route === 'POST /admin/sql') {
      if (typeof body.sql !== 'string') throw new BadRequest('"sql" must be a string')
      if (body.params !== undefined && !Array.isArray(body.params)) throw new BadRequest('"params" must be an array')
      try {
        const result = await deps.query(body.sql, body.params as unknown[] | undefined)
        return sendJson(res, 200, { rows: result.rows })
      } catch (error) {
        return sendJson(res, 400, { error: error instanceof Error ? error.message : String(error) })
      }
    }
    if (route === 'POST /admin/faults') return sendJson(res, 200, { applied: applyFaults(deps, body) })
    if (route === 'POST /admin/restart') {
      const downMs = body.downMs ?? 0
      if (typeof downMs !== 'number' || downMs < 0) throw new BadRequest('"downMs" must be a number ≥ 0')
      sendJson(res, 200, { restarting: true, downMs })
      return void deps.restart(downMs)
    }
    if (route === 'POST /admin/blast') {
      const parsed = parseBlast(body)
      if (!parsed.ok) throw new BadRequest(parsed.error)
      return sendJson(res, 200, await runBlast(ctx, parsed.value))
    }
    return sendJson(res, 404, { message: `no admin route ${route}` })
  } catch (error) {
    if (error instanceof BadRequest) return sendJson(res, 400, { error: error.message })
    if (error instanceof BodyTooLarge) return sendJson(res, 413, { error: error.message })
    throw error
  }
}
