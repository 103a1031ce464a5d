// A hidden tab (decision 81), in the real SharedWorker against the dev server: the test fakes
// document.visibilityState and dispatches visibilitychange, as the browser does when a tab goes to the
// background. Its events come in a few deliveries instead of one per message, in order, none lost; what
// the worker holds arrives at once when the tab is visible again; and a hidden, idle tab gets no delivery
// and runs no timer of the link while the shared socket's heartbeats go on.

import type { Clock, EngineEvent } from '@shared-realtime/engine'
import { realClock } from '@shared-realtime/engine'
import { afterEach, expect, test, vi } from 'vitest'
import { commands } from 'vitest/browser'
import type { EngineConfig } from '../protocol.ts'
import { broadcastSpec, EventLog, subscribed, testConfig } from '../test-support/realtime.ts'
import { WorkerLink, type WorkerLinkOptions } from './worker-link.ts'

const links: WorkerLink[] = []
afterEach(async () => {
  setHidden(false)
  for (const link of links.splice(0)) await link.detach()
})

/** What the browser does when the tab goes to the background (true) or comes back (false). */
function setHidden(hidden: boolean): void {
  if (hidden) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' })
  else delete (document as { visibilityState?: unknown }).visibilityState
  document.dispatchEvent(new Event('visibilitychange'))
}

/** A link whose deliveries (calls of its events callback) are counted, subscribed to `topic`. */
async function subscribedLink(config: EngineConfig, topic: string, options: WorkerLinkOptions = {}) {
  const link = new WorkerLink('shared-worker', options)
  links.push(link)
  const log = new EventLog()
  const deliveries: EngineEvent[][] = []
  await link.attach(config, (batch) => (deliveries.push(batch), log.push(batch)))
  await link.subscribe('s', topic, broadcastSpec)
  await log.waitFor(subscribed('s'), 'SUBSCRIBED')
  return { link, log, deliveries }
}

const seqs = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'broadcast' ? [(e.payload.payload as { seq: number }).seq] : []))
const withBroadcasts = (deliveries: EngineEvent[][]) => deliveries.filter((batch) => seqs(batch).length > 0)

async function blast(topic: string, count: number, ratePerSec: number) {
  const { body } = await commands.realtimeAdmin('/admin/blast', { topic, event: 'b', count, ratePerSec })
  return body as { sent: number; durationMs: number }
}

test('a hidden tab gets a paced stream in a few deliveries, in order, none lost', { timeout: 30_000 }, async () => {
  const topic = `hidden-${Date.now().toString(36)}`
  const holdMs = 300
  const { link, log, deliveries } = await subscribedLink(testConfig('hidden'), `realtime:${topic}`, {
    hiddenBatchMs: holdMs,
  })
  setHidden(true)
  await expect.poll(async () => (await link.inspect()).tab?.holdMs).toBe(holdMs)
  const from = deliveries.length
  const { sent, durationMs } = await blast(topic, 200, 1000)
  await vi.waitFor(() => expect(seqs(log.events)).toHaveLength(sent), { timeout: 10_000, interval: 20 })
  expect(seqs(log.events)).toEqual(Array.from({ length: sent }, (_, i) => i))
  // one delivery per hold at most (plus one for a hold that straddles the end): a visible tab gets ~one per message
  const batches = withBroadcasts(deliveries.slice(from)).length
  expect(batches).toBeLessThanOrEqual(Math.ceil(durationMs / holdMs) + 1)
  expect(batches).toBeLessThan(sent / 10)
})

test('what a hidden tab is owed arrives at once when it is visible again', { timeout: 30_000 }, async () => {
  const topic = `shown-${Date.now().toString(36)}`
  const config = testConfig('shown')
  const { link, log, deliveries } = await subscribedLink(config, `realtime:${topic}`, { hiddenBatchMs: 60_000 })
  setHidden(true)
  await expect.poll(async () => (await link.inspect()).tab?.holdMs).toBe(60_000)
  await blast(topic, 5, 0)
  // the worker holds them (its queue for this tab), the tab has none
  const held = async () => {
    const engine = (await link.inspect()).engine as { sessions: Array<{ id?: string; queueDepth: number }> }
    return engine.sessions.find((s) => s.id !== undefined)?.queueDepth
  }
  await expect.poll(held).toBe(5)
  expect(seqs(log.events)).toEqual([])
  const from = deliveries.length
  setHidden(false)
  // long before the 60 s hold: at once
  await vi.waitFor(() => expect(seqs(log.events)).toEqual([0, 1, 2, 3, 4]), { timeout: 5000, interval: 10 })
  expect(withBroadcasts(deliveries.slice(from))).toHaveLength(1)
})

test(
  'a hidden, idle tab gets no delivery and runs no timer of its link while heartbeats go on',
  { timeout: 30_000 },
  async () => {
    const config = { ...testConfig('idle'), heartbeatIntervalMs: 100 }
    const topic = `realtime:idle-${Date.now().toString(36)}`
    const timers: number[] = []
    const counting: Clock = { ...realClock, setTimeout: (cb, ms) => (timers.push(ms), realClock.setTimeout(cb, ms)) }
    const idle = await subscribedLink(config, topic, { probeIntervalMs: 50, supervisor: { clock: counting } })
    // another tab of the same engine watches the socket's heartbeats (framesIn counts their replies)
    const watcher = new WorkerLink('shared-worker')
    links.push(watcher)
    await watcher.attach(config, () => {})
    const framesIn = async () =>
      ((await watcher.inspect()).engine as { counters: { framesIn: number } }).counters.framesIn
    setHidden(true)
    await expect.poll(async () => (await idle.link.inspect()).tab?.holdMs).toBe(1000)
    const [deliveries, timersSet, frames] = [idle.deliveries.length, timers.length, await framesIn()]
    await expect.poll(framesIn, { timeout: 10_000 }).toBeGreaterThanOrEqual(frames + 5)
    expect({ deliveries: idle.deliveries.length - deliveries, timers: timers.length - timersSet }).toEqual({
      deliveries: 0,
      timers: 0,
    })
    // visible again: the latest heartbeat arrives, and the link probes its worker at once
    const seen = idle.log.events.length
    setHidden(false)
    await idle.log.waitFor((e) => e.type === 'heartbeat', 'the held heartbeat', seen)
    await vi.waitFor(() => expect(timers.length).toBeGreaterThan(timersSet), { timeout: 5000, interval: 10 })
  },
)
