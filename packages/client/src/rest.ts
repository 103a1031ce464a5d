// Runs in the tab (a chunk of its own, loaded on first use).
// The REST side of a channel (REALTIME-JS.md §2.8): httpSend, and the implicit fallback of
// send() on a channel that was never subscribed. URLs and headers as realtime-js builds them.

import { realClock } from '@shared-realtime/engine'

export interface RestContext {
  /** http(s)://…/realtime/v1/api/broadcast (no query). */
  endpoint: string
  apiKey: string
  token: string | null
  fetch: typeof fetch
  timeoutMs: number
}

function headers(ctx: RestContext, contentType: string): Record<string, string> {
  const h: Record<string, string> = { apikey: ctx.apiKey, 'Content-Type': contentType }
  if (ctx.token) h.Authorization = `Bearer ${ctx.token}`
  return h
}

async function withTimeout<T>(ctx: RestContext, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController()
  // the real clock: a `timeout` over 2^31−1 ms would abort at once on the platform's setTimeout
  const timer = realClock.setTimeout(() => controller.abort(), ctx.timeoutMs)
  try {
    return await run(controller.signal)
  } finally {
    realClock.clearTimeout(timer)
  }
}

/** POST /api/broadcast/:topic/events/:event; resolves `{success: true}` on 202, rejects with the server's message otherwise. */
export async function httpSend(
  ctx: RestContext,
  subTopic: string,
  event: string,
  payload: unknown,
  isPrivate: boolean,
  persist?: boolean | { ttl?: number },
): Promise<{ success: true }> {
  if (payload === undefined || payload === null) throw new TypeError('httpSend: a payload is required')
  if (persist && !isPrivate) throw new Error('Realtime httpSend() cannot store a message on a public channel.')
  const binary = payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)
  const query = new URLSearchParams()
  if (isPrivate) query.set('private', 'true')
  // broadcast persistence (realtime-js 2.119): `persist=true`, or `persist[ttl]=<seconds>`
  const ttl = typeof persist === 'object' ? persist.ttl : undefined
  if (persist && ttl === undefined) query.set('persist', 'true')
  else if (persist) query.set('persist[ttl]', String(ttl))
  const search = query.size > 0 ? `?${query}` : ''
  const url = `${ctx.endpoint}/${encodeURIComponent(subTopic)}/events/${encodeURIComponent(event)}${search}`
  const response = await withTimeout(ctx, (signal) =>
    ctx.fetch(url, {
      method: 'POST',
      headers: headers(ctx, binary ? 'application/octet-stream' : 'application/json'),
      body: binary ? (payload as BodyInit) : JSON.stringify(payload),
      signal,
    }),
  )
  if (response.status === 202) return { success: true }
  if (response.status === 404)
    throw new Error('httpSend requires Realtime server v2.97.0 or newer (404 from the broadcast endpoint)')
  let message = response.statusText
  try {
    const body = (await response.json()) as { error?: unknown; message?: unknown }
    message = String(body.error ?? body.message ?? message)
  } catch {
    // keep statusText
  }
  throw new Error(message)
}

/** The implicit fallback of send(): the batch endpoint; 'ok' | 'timed out' | 'error'. */
export async function restBroadcast(
  ctx: RestContext,
  subTopic: string,
  event: string,
  payload: unknown,
  isPrivate: boolean,
): Promise<'ok' | 'timed out' | 'error'> {
  try {
    const response = await withTimeout(ctx, (signal) =>
      ctx.fetch(ctx.endpoint, {
        method: 'POST',
        headers: headers(ctx, 'application/json'),
        body: JSON.stringify({ messages: [{ topic: subTopic, event, payload, private: isPrivate }] }),
        signal,
      }),
    )
    return response.ok ? 'ok' : 'error'
  } catch (error) {
    return error instanceof Error && error.name === 'AbortError' ? 'timed out' : 'error'
  }
}
