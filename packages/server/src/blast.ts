// POST /admin/blast: server-generated broadcasts for benchmarks. Sends `count` broadcasts on a
// public topic to every subscriber, paced at `ratePerSec` (0: as fast as the event loop allows,
// yielding between chunks), each payload `{ seq, t, pad? }` where `t` is
// `performance.timeOrigin + performance.now()` taken just before the message is encoded and
// written, so a page on the same machine can compute send → callback latency on one clock.

import type { Message } from '@shared-realtime/protocol'
import type { Context } from './context.ts'
import { Hub } from './hub.ts'

export interface BlastRequest {
  /** The topic without the `realtime:` prefix, as the REST broadcast API takes it. */
  topic: string
  event: string
  count: number
  /** Messages per second; 0 sends as fast as possible. */
  ratePerSec: number
  /** Size of a `pad` string added to each payload (0: none). */
  payloadBytes: number
}

export interface BlastResult {
  sent: number
  /** Frames written to sockets (one per subscribed socket per message). */
  frames: number
  /** performance.timeOrigin + performance.now() at the first and after the last send. */
  startedAt: number
  endedAt: number
  durationMs: number
  /** Messages per second achieved. */
  rate: number
}

const KNOWN = new Set(['topic', 'event', 'count', 'ratePerSec', 'payloadBytes'])

/** Checks a /admin/blast body; returns the request or a reason for a 400. */
export function parseBlast(
  body: Record<string, unknown>,
): { ok: true; value: BlastRequest } | { ok: false; error: string } {
  for (const key of Object.keys(body)) {
    if (!KNOWN.has(key)) return { ok: false, error: `unknown field "${key}"; known: ${[...KNOWN].join(', ')}` }
  }
  const { topic, event = 'blast', count, ratePerSec = 0, payloadBytes = 0 } = body
  if (typeof topic !== 'string' || topic === '')
    return { ok: false, error: '"topic" must be a non-empty string (without the "realtime:" prefix)' }
  if (typeof event !== 'string' || event === '') return { ok: false, error: '"event" must be a non-empty string' }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 10_000_000)
    return { ok: false, error: '"count" must be an integer from 1 to 10000000' }
  if (typeof ratePerSec !== 'number' || !Number.isFinite(ratePerSec) || ratePerSec < 0)
    return { ok: false, error: '"ratePerSec" must be a number ≥ 0 (0: as fast as possible)' }
  if (
    typeof payloadBytes !== 'number' ||
    !Number.isInteger(payloadBytes) ||
    payloadBytes < 0 ||
    payloadBytes > 1_000_000
  ) {
    return { ok: false, error: '"payloadBytes" must be an integer from 0 to 1000000' }
  }
  return { ok: true, value: { topic, event, count, ratePerSec, payloadBytes } }
}

const now = () => performance.timeOrigin + performance.now()
/** How many messages one turn of the event loop sends at most before yielding (lets ws flush). */
const CHUNK = 200

/** Runs a blast to completion. */
export async function runBlast(ctx: Context, request: BlastRequest): Promise<BlastResult> {
  const { topic, event, count, ratePerSec, payloadBytes } = request
  const key = Hub.key('public', `realtime:${topic}`)
  const pad = payloadBytes > 0 ? 'x'.repeat(payloadBytes) : undefined
  const startedAt = now()
  let sent = 0
  let frames = 0
  while (sent < count) {
    const elapsed = now() - startedAt
    const due = ratePerSec > 0 ? Math.min(count, Math.floor((elapsed * ratePerSec) / 1000) + 1) : count
    const until = Math.min(due, sent + CHUNK)
    while (sent < until) {
      const inner: Record<string, unknown> = pad === undefined ? { seq: sent, t: now() } : { seq: sent, t: now(), pad }
      const message: Message = {
        join_ref: null,
        ref: null,
        topic: `realtime:${topic}`,
        event: 'broadcast',
        payload: { type: 'broadcast', event, payload: inner },
      }
      frames += ctx.hub.deliver(key, message, { accept: (s) => s.permissions.broadcast.read })
      sent++
    }
    if (sent >= count) break
    if (ratePerSec > 0 && sent >= due) {
      // ahead of schedule: wait for the next message's time
      const nextAt = (sent * 1000) / ratePerSec
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextAt - (now() - startedAt))))
    } else {
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
  const endedAt = now()
  const durationMs = endedAt - startedAt
  return { sent, frames, startedAt, endedAt, durationMs, rate: durationMs > 0 ? (sent * 1000) / durationMs : sent }
}
