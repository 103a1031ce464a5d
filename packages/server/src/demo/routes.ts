// /demo/* — dev-only routes for the demo app (issue #6), only with the `demo` option (`--demo`).
//   POST   /demo/guest                      { name, id?, secret? } → { token, secret, user: { id, name, color } }
//                                            (id + secret: what this route gave the browser before, kept to
//                                            stay the same guest across tabs and reloads; a new guest when
//                                            both are absent; an id without its secret: 403)
//   GET    /demo/rooms/:room/messages?limit → { messages }     newest `limit` (default 50, max 200), oldest first
//   POST   /demo/rooms/:room/messages       { id, text }      → 201 { message } (same id again: 200, stored one)
//   GET    /demo/lists/:list/todos          → { todos }        by id
//   POST   /demo/lists/:list/todos          { title }         → 201 { todo }
//   PATCH  /demo/todos/:id                  { done?, title? } → { todo } | 404
//   DELETE /demo/todos/:id                  → 204 | 404
// All but /demo/guest need `Authorization: Bearer <jwt>` (verified as every token is). Open CORS on
// every answer; errors are `{ error }`. Rows change through the database, so postgres_changes
// subscribers see them as any other change.

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRecord } from '@shared-realtime/protocol'
import { signToken } from '../auth/index.ts'
import type { JwtClaims } from '../auth/index.ts'
import type { Context } from '../context.ts'
import { bearer, BodyTooLarge, readBody, sendJson } from '../http-util.ts'

export interface DemoDeps {
  ctx: Context
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[] }>
}

export const DEMO_CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET,POST,PATCH,DELETE,OPTIONS',
  'access-control-allow-headers': 'authorization,content-type,apikey',
}

/** Pleasant, readable on white and on dark backgrounds. */
export const GUEST_COLORS = [
  '#e11d48',
  '#db2777',
  '#c026d3',
  '#7c3aed',
  '#4f46e5',
  '#2563eb',
  '#0284c7',
  '#0891b2',
  '#0d9488',
  '#059669',
  '#16a34a',
  '#65a30d',
  '#ca8a04',
  '#d97706',
  '#ea580c',
  '#dc2626',
] as const

/** A colour from GUEST_COLORS, the same for the same name (FNV-1a). */
export function colorFor(name: string): string {
  let hash = 0x811c9dc5
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return GUEST_COLORS[(hash >>> 0) % GUEST_COLORS.length]!
}

const GUEST_TOKEN_SECONDS = 24 * 60 * 60
const HEX_COLOR = /^#[0-9a-f]{6}$/i
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const MESSAGE_COLUMNS = 'id, room, user_id, user_name, color, text, created_at'
const TODO_COLUMNS = 'id, list_id, title, done, created_at'

class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

async function jsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let raw: Buffer
  try {
    raw = await readBody(req, 100_000)
  } catch (error) {
    if (error instanceof BodyTooLarge) throw new HttpError(413, error.message)
    throw error
  }
  let body: unknown
  try {
    body = raw.byteLength ? JSON.parse(raw.toString('utf8')) : {}
  } catch {
    throw new HttpError(400, 'the request body is not valid JSON')
  }
  if (!isRecord(body)) throw new HttpError(400, 'the request body must be a JSON object')
  return body
}

function text(body: Record<string, unknown>, field: string, max: number, { trim = true } = {}): string {
  const value = body[field]
  if (typeof value !== 'string') throw new HttpError(400, `"${field}" must be a string of 1 to ${max} characters`)
  const result = trim ? value.trim() : value
  if (result.length < 1 || result.length > max) {
    throw new HttpError(
      400,
      `"${field}" must be 1 to ${max} characters${trim ? ' after trimming' : ''}, got ${result.length}`,
    )
  }
  return result
}

/**
 * The secret of guest `id`: HMAC-SHA256 of the id under the server's JWT secret (a label keeps it apart from
 * anything else signed with that key). Stateless, so a guest stays themselves across restarts with the same
 * secret; as strong as the JWT secret, which lets its holder sign any token anyway (decision 72).
 */
export function guestSecret(jwtSecret: string, id: string): string {
  return createHmac('sha256', jwtSecret).update(`shared-realtime demo guest v1\0${id}`).digest('base64url')
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.byteLength === b.byteLength && timingSafeEqual(a, b)
}

function intParam(name: string, raw: string): number {
  const n = Number(raw)
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n > 2_147_483_647)
    throw new HttpError(400, `${name} must be a positive integer, got "${raw}"`)
  return n
}

async function authenticate(ctx: Context, req: IncomingMessage): Promise<JwtClaims> {
  const token = bearer(req)
  if (!token) throw new HttpError(401, 'missing "Authorization: Bearer <jwt>" (get one from POST /demo/guest)')
  const verified = await ctx.verify(token)
  if (!verified.ok) throw new HttpError(401, verified.message)
  return verified.claims
}

function author(claims: JwtClaims): { id: string; name: string; color: string } {
  if (typeof claims.sub !== 'string' || !claims.sub)
    throw new HttpError(401, 'the token has no "sub" claim to post as (get one from POST /demo/guest)')
  const meta = isRecord(claims.user_metadata) ? claims.user_metadata : {}
  const name = typeof meta.name === 'string' && meta.name ? meta.name : claims.sub
  // only #rrggbb: the colour goes into every viewer's CSS (a `url(…)` would make them fetch it)
  const color = typeof meta.color === 'string' && HEX_COLOR.test(meta.color) ? meta.color : colorFor(name)
  return { id: claims.sub, name, color }
}

function segment(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError(400, `${name} is not valid URL encoding: "${raw}"`)
  }
}

const ROOM_MESSAGES = /^\/demo\/rooms\/([^/]+)\/messages$/
const LIST_TODOS = /^\/demo\/lists\/([^/]+)\/todos$/
const TODO = /^\/demo\/todos\/([^/]+)$/

export async function handleDemo(deps: DemoDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reply = (status: number, body?: unknown) => sendJson(res, status, body, DEMO_CORS_HEADERS)
  if (req.method === 'OPTIONS') return reply(204)
  try {
    await route(deps, req, url, reply)
  } catch (error) {
    if (error instanceof HttpError) return reply(error.status, { error: error.message })
    deps.ctx.log.error(`demo ${req.method} ${url.pathname}: ${error instanceof Error ? error.stack : String(error)}`)
    return reply(500, { error: 'internal server error' })
  }
}

async function route(
  deps: DemoDeps,
  req: IncomingMessage,
  url: URL,
  reply: (status: number, body?: unknown) => void,
): Promise<void> {
  const { ctx, query } = deps
  const path = url.pathname
  const method = req.method ?? 'GET'
  let room: RegExpExecArray | null
  let list: RegExpExecArray | null
  let todo: RegExpExecArray | null

  if (path === '/demo/guest' && method === 'POST') {
    const body = await jsonBody(req)
    const name = text(body, 'name', 40)
    if (body.id !== undefined && (typeof body.id !== 'string' || !UUID.test(body.id))) {
      throw new HttpError(
        400,
        '"id" must be a UUID (the guest id this browser was given before), or absent for a new guest',
      )
    }
    if (body.id === undefined && body.secret !== undefined)
      throw new HttpError(400, '"secret" goes with the "id" it was given for; give both, or neither for a new guest')
    // guest ids are public (presence keys, messages' user_id): an id alone proves nothing
    if (typeof body.id === 'string') {
      const expected = guestSecret(ctx.options.jwtSecret, body.id.toLowerCase())
      if (typeof body.secret !== 'string' || !sameSecret(body.secret, expected)) {
        throw new HttpError(
          403,
          typeof body.secret === 'string'
            ? '"secret" is not the secret of this guest id: sign in without "id" to be a new guest'
            : '"id" needs the "secret" given with it (sign in without "id" to be a new guest)',
        )
      }
    }
    const id = typeof body.id === 'string' ? body.id.toLowerCase() : randomUUID()
    const user = { id, name, color: colorFor(name) }
    const secret = guestSecret(ctx.options.jwtSecret, id)
    const token = await signToken(
      { role: 'authenticated', sub: user.id, user_metadata: { name, color: user.color } },
      ctx.options.jwtSecret,
      { expiresInSeconds: GUEST_TOKEN_SECONDS },
    )
    return reply(200, { token, secret, user })
  }

  if ((room = ROOM_MESSAGES.exec(path)) && (method === 'GET' || method === 'POST')) {
    const claims = await authenticate(ctx, req)
    const name = segment('room', room[1]!)
    if (method === 'GET') {
      const rawLimit = url.searchParams.get('limit')
      const limit = rawLimit === null ? 50 : Math.min(intParam('limit', rawLimit), 200)
      if (limit < 1) throw new HttpError(400, 'limit must be a positive integer, got "0"')
      const { rows } = await query(
        `select * from (select ${MESSAGE_COLUMNS} from demo_messages where room = $1 order by created_at desc, id desc limit $2) m order by created_at, id`,
        [name, limit],
      )
      return reply(200, { messages: rows })
    }
    const body = await jsonBody(req)
    if (typeof body.id !== 'string' || !UUID.test(body.id))
      throw new HttpError(400, '"id" must be a UUID chosen by the client')
    const messageText = text(body, 'text', 2000)
    const user = author(claims)
    const inserted = await query(
      `insert into demo_messages (id, room, user_id, user_name, color, text) values ($1, $2, $3, $4, $5, $6) on conflict (id) do nothing returning ${MESSAGE_COLUMNS}`,
      [body.id.toLowerCase(), name, user.id, user.name, user.color, messageText],
    )
    if (inserted.rows.length) return reply(201, { message: inserted.rows[0] })
    const stored = await query(`select ${MESSAGE_COLUMNS} from demo_messages where id = $1`, [body.id.toLowerCase()])
    return reply(200, { message: stored.rows[0] })
  }

  if ((list = LIST_TODOS.exec(path)) && (method === 'GET' || method === 'POST')) {
    await authenticate(ctx, req)
    const listId = intParam('list', segment('list', list[1]!))
    if (method === 'GET') {
      const { rows } = await query(`select ${TODO_COLUMNS} from demo_todos where list_id = $1 order by id`, [listId])
      return reply(200, { todos: rows })
    }
    const title = text(await jsonBody(req), 'title', 200)
    const { rows } = await query(`insert into demo_todos (list_id, title) values ($1, $2) returning ${TODO_COLUMNS}`, [
      listId,
      title,
    ])
    return reply(201, { todo: rows[0] })
  }

  if ((todo = TODO.exec(path)) && (method === 'PATCH' || method === 'DELETE')) {
    await authenticate(ctx, req)
    const id = intParam('todo id', segment('todo id', todo[1]!))
    if (method === 'DELETE') {
      const { rows } = await query('delete from demo_todos where id = $1 returning id', [id])
      if (!rows.length) throw new HttpError(404, `no todo ${id}`)
      return reply(204)
    }
    const body = await jsonBody(req)
    const sets: string[] = []
    const params: unknown[] = [id]
    if (body.done !== undefined) {
      if (typeof body.done !== 'boolean') throw new HttpError(400, '"done" must be true or false')
      params.push(body.done)
      sets.push(`done = $${params.length}`)
    }
    if (body.title !== undefined) {
      params.push(text(body, 'title', 200))
      sets.push(`title = $${params.length}`)
    }
    if (!sets.length) throw new HttpError(400, 'give "done" (boolean) and/or "title" (string) to change')
    const { rows } = await query(
      `update demo_todos set ${sets.join(', ')} where id = $1 returning ${TODO_COLUMNS}`,
      params,
    )
    if (!rows.length) throw new HttpError(404, `no todo ${id}`)
    return reply(200, { todo: rows[0] })
  }

  throw new HttpError(404, `no demo route ${method} ${path}`)
}
