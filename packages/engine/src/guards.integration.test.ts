// The socket's guards (guards.ts, DESIGN.md rule 14) against the real dev server on port 0, its
// limits on (Supabase's, PROTOCOL.md §3.7): what one tab asks for beyond them is paced or refused
// for that tab, and the server never closes the socket or shuts a channel. Each test has a server of
// its own, so the server's rate counters start from zero.

import { startServer, type RunningServer, type ServerOptions } from '@shared-realtime/server'
import { afterEach, describe, expect, test } from 'vitest'
import { MemoryStorage, PayloadTooLargeError } from './index.ts'
import type { EngineEvent } from './events.ts'
import { isStatus, openTab, type TestTab } from './test-support/tabs.ts'
import { liveEngines } from './test-support/live.ts'

const servers: RunningServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close()
})

async function startOne(limits: ServerOptions['limits'] = {}): Promise<RunningServer> {
  const s = await startServer({ port: 0, log: 'silent', limits })
  servers.push(s)
  return s
}

const newEngine = liveEngines()

const spec = (config: Record<string, unknown> = {}) => ({ config, postgres: [], presence: false }) as never
const topics = (n: number) => Array.from({ length: n }, (_, i) => `realtime:g${i}`)
const closedOrFailed = (e: EngineEvent) =>
  e.type === 'status' && (e.status === 'CLOSED' || e.status === 'CHANNEL_ERROR' || e.status === 'TIMED_OUT')

/** Waits until `done()` holds, polling every 20 ms. */
async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const subscribed = (t: TestTab) => t.of('status').filter((e) => e.status === 'SUBSCRIBED').length

describe('the socket’s guards against the dev server, limits on', () => {
  test('60 subscribes at once end SUBSCRIBED on one socket, never closed for the join rate (unguarded: 1001)', async () => {
    // a server with a join limit of 10/s over 5 s (Realtime's averaging): 60 joins at once are 12/s, over it; the
    // guard at 6/s (burst 6) keeps any 5 s window at 36 joins, 7.2/s
    const limits = { maxChannelsPerClient: 200, maxJoinsPerSecond: 10 }
    const guarded = newEngine(await startOne(limits), { maxChannels: 200, joinsPerSecond: 6, joinBurst: 6 })
    const a = openTab(guarded, 'a')
    const started = Date.now()
    for (const [i, topic] of topics(60).entries()) a.session.subscribe(`s${i}`, topic, spec())
    await until(() => subscribed(a) === 60, 20_000, '60 SUBSCRIBED')
    const tookMs = Date.now() - started
    expect(guarded.counters.connects).toBe(1)
    expect(a.events.filter(closedOrFailed)).toEqual([])
    expect(tookMs).toBeGreaterThanOrEqual(8500) // 6 at once, then 6 per second: paced, not sent at once

    // the same server without the guard: the server refuses the join over its rate and closes the socket
    const unguarded = newEngine(await startOne(limits), {
      maxChannels: 200,
      joinsPerSecond: Infinity,
      joinBurst: Infinity,
    })
    const b = openTab(unguarded, 'b')
    for (const [i, topic] of topics(60).entries()) b.session.subscribe(`s${i}`, topic, spec())
    await b.next((e) => e.type === 'connection' && e.state === 'reconnecting')
    expect(b.of('status').some((e) => e.error?.kind === 'join-refused:ClientJoinRateLimitReached')).toBe(true)
  }, 40_000)

  test('101 channels: the 101st fails typed at once, the other 100 are SUBSCRIBED and work', async () => {
    const s = await startOne()
    const e = newEngine(s)
    const a = openTab(e, 'a')
    const b = openTab(e, 'b')
    for (const [i, topic] of topics(100).entries()) a.session.subscribe(`s${i}`, topic, spec())
    b.session.subscribe('extra', 'realtime:one-too-many', spec())
    b.session.subscribe('same', 'realtime:g0', spec({ broadcast: { ack: true } }))
    const refused = await b.next(isStatus('extra', 'CHANNEL_ERROR'))
    expect(refused).toMatchObject({ error: { kind: 'too-many-channels', retryable: false } })
    await until(() => subscribed(a) === 100, 10_000, '100 SUBSCRIBED')
    await b.next(isStatus('same', 'SUBSCRIBED'))
    expect(await b.session.send('same', { type: 'broadcast', event: 'e', payload: {} })).toBe('ok')
    expect(a.events.filter(closedOrFailed)).toEqual([])
    expect(e.counters.connects).toBe(1)
  }, 20_000)

  test('a 3.5 MB broadcast, durable send or track is refused for its tab; the socket stays open', async () => {
    const s = await startOne()
    const e = newEngine(s, { storage: new MemoryStorage() })
    const a = openTab(e, 'a')
    const b = openTab(e, 'b')
    a.session.subscribe('s', 'realtime:big', spec({ broadcast: { ack: true } }))
    b.session.subscribe('s', 'realtime:big', spec())
    for (const t of [a, b]) await t.next(isStatus('s', 'SUBSCRIBED'))
    const huge = { type: 'broadcast', event: 'e', payload: { blob: 'x'.repeat(3_500_000) } }
    await expect(a.session.send('s', huge)).rejects.toThrow(PayloadTooLargeError)
    await expect(a.session.send('s', huge, 10_000, { durable: true })).rejects.toMatchObject({
      kind: 'payload-too-large',
      limit: 3_000_000,
    })
    expect(() => a.session.track('s', { blob: 'x'.repeat(3_500_000) })).toThrow(PayloadTooLargeError)
    expect(await a.session.send('s', { type: 'broadcast', event: 'small', payload: {} })).toBe('ok')
    await b.next((ev) => ev.type === 'broadcast' && ev.payload.event === 'small')
    expect(e.counters.connects).toBe(1)
    expect(e.inspect().connection).toMatchObject({ state: 'connected' })
    expect([...a.events, ...b.events].filter(closedOrFailed)).toEqual([])
  }, 20_000)

  test('700 sends in a second all arrive, paced under the event rate; no channel is shut', async () => {
    const s = await startOne()
    const e = newEngine(s, { outboxLimit: 1000 })
    const a = openTab(e, 'a')
    const b = openTab(e, 'b')
    a.session.subscribe('s', 'realtime:flood', spec())
    b.session.subscribe('s', 'realtime:flood', spec())
    for (const t of [a, b]) await t.next(isStatus('s', 'SUBSCRIBED'))
    const started = Date.now()
    const results: Promise<unknown>[] = []
    for (let n = 0; n < 700; n++) {
      results.push(a.session.send('s', { type: 'broadcast', event: 'n', payload: { n } }, 30_000))
      if (n % 70 === 69) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await until(() => b.of('broadcast').length === 700, 25_000, '700 broadcasts at b')
    const tookMs = Date.now() - started
    expect(b.of('broadcast').map((ev) => (ev.payload.payload as { n: number }).n)).toEqual(
      Array.from({ length: 700 }, (_, n) => n),
    )
    expect(new Set(await Promise.all(results))).toEqual(new Set(['ok']))
    expect([...a.events, ...b.events].filter(closedOrFailed)).toEqual([])
    expect(e.counters.connects).toBe(1)
    expect(tookMs).toBeGreaterThanOrEqual(12_000) // 50 at once, then 50 per second
  }, 30_000)
})
