// The REST broadcast API (PROTOCOL.md §4) wired to the hub: parsing and the exact
// status codes and bodies live in rest/; this file authenticates, authorizes private
// messages (silently skipping unauthorized ones, still 202) and delivers.

import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Context } from './context.ts'
import { BodyTooLarge, headerMap, readBody, sendJson } from './http-util.ts'
import { publish, type Outgoing } from './publish.ts'
import { CORS_HEADERS, authorizeRest, decodeJsonBody, parseBatchBroadcast, parseSingleBroadcast } from './rest/index.ts'

const BATCH_PATHS = ['/realtime/v1/api/broadcast', '/api/broadcast']
const SINGLE = /^(?:\/realtime\/v1)?\/api\/broadcast\/([^/]+)\/events\/([^/]+)$/

export function isRestPath(pathname: string): boolean {
  return BATCH_PATHS.includes(pathname) || SINGLE.test(pathname)
}

async function deliver(
  ctx: Context,
  claims: Record<string, unknown>,
  headers: Record<string, string>,
  item: Outgoing,
): Promise<void> {
  if (item.private) {
    const permissions = await ctx.authorize(item.topic, claims, headers)
    if (!permissions.broadcast.write) return // skipped silently (§4.1)
  }
  publish(ctx, item)
}

export async function handleRest(ctx: Context, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const reply = (status: number, body: unknown) => sendJson(res, status, body, CORS_HEADERS)
  if (req.method !== 'POST') return reply(405, { message: 'Method Not Allowed' })
  let raw: Buffer
  try {
    raw = await readBody(req, Math.min(ctx.options.maxFrameBytes * 2, 50_000_000))
  } catch (error) {
    if (error instanceof BodyTooLarge) return reply(413, { message: error.message })
    throw error
  }
  // Realtime's order: body (400) → content type (415) → authentication (401) → validation (422)
  const contentType = req.headers['content-type']
  const single = SINGLE.exec(url.pathname)
  let segments: [string, string] | undefined
  try {
    if (single) segments = [decodeURIComponent(single[1]!), decodeURIComponent(single[2]!)]
  } catch {
    // Plug answers a path it cannot percent-decode with 400 Bad Request
    return reply(400, { message: 'Bad Request: the topic or event in the path is not valid percent-encoding' })
  }
  const parsed = segments
    ? parseSingleBroadcast({
        topic: segments[0],
        event: segments[1],
        contentType,
        body: new Uint8Array(raw),
        query: url.searchParams,
        maxPayloadBytes: ctx.options.limits.maxPayloadBytes,
      })
    : (() => {
        const params = decodeJsonBody(contentType, new Uint8Array(raw))
        return params.ok
          ? parseBatchBroadcast(params.params, { maxPayloadBytes: ctx.options.limits.maxPayloadBytes })
          : params
      })()
  if (!parsed.ok && (parsed.status === 400 || parsed.status === 415)) return reply(parsed.status, parsed.body)
  const auth = await authorizeRest(req.headers, (token: string) => ctx.verify(token))
  if (!auth.ok) return reply(auth.status, auth.body)
  if (!parsed.ok) return reply(parsed.status, parsed.body)
  // Realtime's BatchBroadcast.check_rate_limit: over the rate already, or over it with this batch added
  const rate = ctx.eventRate.rate()
  const max = ctx.options.limits.maxEventsPerSecond
  if (rate > max) return reply(429, { message: 'You have exceeded your rate limit' })
  const count = 'messages' in parsed ? parsed.messages.length : 1
  if (count + rate > max) return reply(429, { message: 'Too many messages to broadcast, please reduce the batch size' })
  const claims = auth.claims as Record<string, unknown>
  const headers = headerMap(req.headers)
  if ('messages' in parsed) {
    for (const m of parsed.messages) await deliver(ctx, claims, headers, { ...m, binary: false })
    return reply(202, undefined)
  }
  const item: Outgoing =
    parsed.encoding === 'binary'
      ? { topic: parsed.topic, event: parsed.event, private: parsed.private, payload: parsed.bytes, binary: true }
      : { topic: parsed.topic, event: parsed.event, private: parsed.private, payload: parsed.payload, binary: false }
  if (item.private && !(await ctx.authorize(item.topic, claims, headers)).broadcast.write)
    return reply(403, { message: 'Unauthorized' })
  await deliver(ctx, claims, headers, item)
  return reply(202, undefined)
}
