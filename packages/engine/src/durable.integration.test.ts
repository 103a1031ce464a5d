// Durable sends the real dev server refuses (issue #13), with `ws` on port 0 and MemoryStorage:
// an oversized payload (error reply `payload_size_exceeded`) and a frame over the server's
// limit (close 1009) are each pushed a bounded number of times, deleted, and reported as a
// `system` event; the socket then stays up (no loop of reconnects).

import { startServer, type RunningServer } from '@shared-realtime/server'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Engine, MemoryStorage } from './index.ts'
import { isStatus, openTab } from './test-support/tabs.ts'
import type { EngineEvent } from './events.ts'
import { liveEngines } from './test-support/live.ts'

let server: RunningServer

beforeAll(async () => {
  // small limits, so that the engine's own size checks (defaults from Supabase's) do not refuse first
  server = await startServer({ port: 0, log: 'silent', maxFrameBytes: 20_000, limits: { maxPayloadBytes: 5_000 } })
})
afterAll(() => server.close())

const onServer = liveEngines()
const newEngine = (storage: MemoryStorage): Engine =>
  onServer(server, { storage, timeout: 1000, reconnectAfterMs: () => 50 })

const isFailure = (e: EngineEvent) =>
  e.type === 'system' && String((e.payload as { message?: unknown }).message).startsWith('durable send failed')

/** Durable items still waiting in `storage` (failed ones are kept a moment as `done`). */
async function live(storage: MemoryStorage): Promise<number> {
  let n = 0
  for (const key of await storage.keys())
    if (key.startsWith('["outbox"'))
      n += ((await storage.get<object[]>(key)) ?? []).filter((i) => !('done' in i)).length
  return n
}

const big = (bytes: number) => ({ type: 'broadcast', event: 'big', payload: { data: 'x'.repeat(bytes) } })
const spec = { config: { broadcast: { ack: true } }, postgres: [], presence: false } as never

describe('durable sends the dev server refuses', () => {
  test('payload too large (error reply): pushed once, deleted, the sender gets error and the reason', async () => {
    const storage = new MemoryStorage()
    const e = newEngine(storage)
    const tab = openTab(e, 'a')
    tab.session.subscribe('s', 'realtime:refuse-1', spec)
    await tab.next(isStatus('s', 'SUBSCRIBED'))
    const framesBefore = e.counters.framesOut
    expect(await tab.session.send('s', big(10_000), 5000, { durable: true, id: 'too-big' })).toBe('error')
    const failure = await tab.next(isFailure)
    expect(failure).toMatchObject({ payload: { durable: { id: 'too-big', reason: 'payload_size_exceeded' } } })
    expect(await live(storage)).toBe(0)
    expect(e.counters.framesOut - framesBefore).toBe(1)
  })

  test('a frame over the server limit (close 1009): pushed twice at most, deleted, reported; then the socket stays up', async () => {
    const storage = new MemoryStorage()
    const e = newEngine(storage)
    const tab = openTab(e, 'a')
    tab.session.subscribe('s', 'realtime:refuse-2', spec)
    await tab.next(isStatus('s', 'SUBSCRIBED'))
    const started = Date.now()
    void tab.session.send('s', big(30_000), 1000, { durable: true, id: 'huge' })
    const failure = await tab.next(isFailure, 10_000)
    const failedAfterMs = Date.now() - started
    expect(failure).toMatchObject({
      payload: { durable: { id: 'huge', reason: 'the server closed the socket 1009 (frame too large)' } },
    })
    const connects = e.counters.connects
    expect(connects).toBeLessThanOrEqual(3) // the first socket and one reconnect per 1009
    await tab.next(isStatus('s', 'SUBSCRIBED'))
    await new Promise((resolve) => setTimeout(resolve, 1500)) // longer than a push's deadline: nothing more happens
    expect(e.counters.connects).toBe(connects)
    expect(e.connection.name).toBe('connected')
    expect(await live(storage)).toBe(0)
    console.info(`1009: failed after ${failedAfterMs} ms, ${connects} connects`)
  })
})
