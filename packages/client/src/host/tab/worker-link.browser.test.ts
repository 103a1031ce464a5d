// The worker links in real workers, bundled by Vite from their static `new URL(...)` forms:
// two links in this page stand for two tabs. SharedWorker: one worker, one socket, one
// server channel for both. Dedicated Worker: the same scenario with one socket per link.
// A terminated worker: the command deadline, then recovery. The back/forward cache.

import { afterEach, describe, expect, test, vi } from 'vitest'
import type { EngineConfig } from '../protocol.ts'
import { WorkerLink, type WorkerLinkOptions } from './worker-link.ts'
import { WORKER_NAME } from '../protocol.ts'
import { spawnDedicatedWorker, type WorkerSpawn } from './spawn.ts'
import {
  broadcastSpec,
  broadcastTo,
  EventLog,
  resubscribed,
  stats,
  subscribed,
  testConfig,
} from '../test-support/realtime.ts'

const links: WorkerLink[] = []
let baseline: Awaited<ReturnType<typeof stats>> | undefined
afterEach(async () => {
  for (const link of links.splice(0)) await link.detach()
  // the next test counts sockets and channels from here: wait until the server saw ours go
  const before = baseline
  baseline = undefined
  if (!before) return
  await vi.waitFor(
    async () => {
      const { activeSockets } = await stats()
      if (activeSockets !== before.activeSockets)
        throw new Error(`${activeSockets} sockets with channels, ${before.activeSockets} before the test`)
    },
    { timeout: 10_000, interval: 50 },
  )
})

async function attached(kind: 'shared-worker' | 'worker', config: EngineConfig, options: WorkerLinkOptions = {}) {
  const link = new WorkerLink(kind, options)
  links.push(link)
  const log = new EventLog()
  await link.attach(config, log.push)
  return { link, log }
}

/** Dedicated workers whose spawns the test keeps (to terminate one). */
const recording = (spawns: WorkerSpawn[]) => () => {
  const spawn = spawnDedicatedWorker()
  spawns.push(spawn)
  return spawn
}

/** Two tabs subscribed to one topic; `a` broadcasts, `b` receives. Returns the server's stats growth. */
async function twoTabsOneTopic(kind: 'shared-worker' | 'worker') {
  baseline = await stats()
  const config = testConfig(kind)
  const topic = `realtime:link-${kind}-${Date.now().toString(36)}`
  const [a, b] = [await attached(kind, config), await attached(kind, config)]
  await a.link.subscribe('a1', topic, broadcastSpec)
  await b.link.subscribe('b1', topic, broadcastSpec)
  await a.log.waitFor(subscribed('a1'), 'SUBSCRIBED at a')
  await b.log.waitFor(subscribed('b1'), 'SUBSCRIBED at b')
  const now = await stats()
  expect(await a.link.send('a1', { type: 'broadcast', event: 'hello', payload: { from: 'a' } }, 5000)).toBe('ok')
  expect(await b.log.waitFor(broadcastTo('b1'), 'the broadcast at b')).toMatchObject({
    payload: { event: 'hello', payload: { from: 'a' } },
  })
  const grown = {
    activeSockets: now.activeSockets - baseline.activeSockets,
    channels: now.channels - baseline.channels,
  }
  return { a, b, grown, inspected: [await a.link.inspect(), await b.link.inspect()] as const }
}

describe('shared-worker', () => {
  test(
    'two tabs share one worker, one socket and one server channel; a broadcast reaches the other tab',
    { timeout: 30_000 },
    async () => {
      const { grown, inspected, a } = await twoTabsOneTopic('shared-worker')
      expect(grown).toEqual({ activeSockets: 1, channels: 1 })
      const [ia, ib] = inspected
      expect(ia.instance).toBe(ib.instance)
      expect(ia).toMatchObject({ host: 'shared-worker', name: WORKER_NAME })
      expect(ia.tabCount).toBeGreaterThanOrEqual(2)
      expect(a.log.events.some(broadcastTo('a1'))).toBe(false) // no self
    },
  )

  test(
    'back/forward cache: pagehide(persisted) detaches the tab, pageshow(persisted) re-attaches and resubscribes',
    { timeout: 30_000 },
    async () => {
      const config = testConfig('bfcache')
      const [a, watcher] = [await attached('shared-worker', config), await attached('shared-worker', config)]
      await a.link.subscribe('s', 'realtime:link-bfcache', broadcastSpec)
      await a.log.waitFor(subscribed('s'), 'SUBSCRIBED')
      const from = a.log.events.length
      // every link of the page hears it (the watcher too)
      dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }))
      await expect(watcher.link.inspect()).rejects.toMatchObject({ kind: 'not-attached' })
      // a tab opened meanwhile sees the worker let go of both (lock released, goodbye)
      const probe = await attached('shared-worker', config)
      const tabs = async () => (await probe.link.inspect()).tabCount
      await expect.poll(tabs).toBe(1)
      dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }))
      await a.log.waitFor(resubscribed('s'), 'the resubscribed event', from)
      await a.log.waitFor(subscribed('s'), 'SUBSCRIBED again', from)
      expect(await tabs()).toBe(3)
    },
  )
})

describe('worker', () => {
  test('the same scenario works with one dedicated worker and one socket per tab', { timeout: 30_000 }, async () => {
    const { grown, inspected } = await twoTabsOneTopic('worker')
    expect(grown).toEqual({ activeSockets: 2, channels: 2 })
    const [ia, ib] = inspected
    expect(ia.instance).not.toBe(ib.instance)
    expect(ia).toMatchObject({ host: 'worker', name: WORKER_NAME })
  })

  test(
    'a terminated worker: its lock comes free, the command on its way runs on the new worker, and the link recovers with resubscribed',
    { timeout: 30_000 },
    async () => {
      const spawns: WorkerSpawn[] = []
      const { link, log } = await attached('worker', testConfig('recover'), {
        spawn: recording(spawns),
        commandTimeoutMs: 1000,
      })
      await link.subscribe('s', 'realtime:link-recover', broadcastSpec)
      await log.waitFor(subscribed('s'), 'SUBSCRIBED')
      const first = (await link.inspect()).instance
      const from = log.events.length
      spawns[0]?.dispose() // terminate(): the worker dies without a word
      // (a worker that hangs instead: host-timeout, supervisor.test.ts)
      const inspected = await link.inspect()
      expect(inspected.instance).not.toBe(first)
      await log.waitFor(resubscribed('s'), 'the resubscribed event', from)
      await log.waitFor(subscribed('s'), 'SUBSCRIBED on the new worker', from)
      const second = await link.inspect()
      expect(second.instance).not.toBe(first)
      expect(second.tabCount).toBe(1)
      expect(spawns).toHaveLength(2)
      expect(await link.send('s', { type: 'broadcast', event: 'after', payload: {} }, 5000)).toBe('ok')
    },
  )

  test(
    'a tab that sends nothing notices a terminated worker through its probe, and recovers',
    { timeout: 30_000 },
    async () => {
      const spawns: WorkerSpawn[] = []
      const { link, log } = await attached('worker', testConfig('probe'), {
        spawn: recording(spawns),
        commandTimeoutMs: 500,
        probeIntervalMs: 200,
      })
      await link.subscribe('s', 'realtime:link-probe', broadcastSpec)
      await log.waitFor(subscribed('s'), 'SUBSCRIBED')
      const from = log.events.length
      spawns[0]?.dispose()
      await log.waitFor(resubscribed('s'), 'the resubscribed event', from)
      await log.waitFor(subscribed('s'), 'SUBSCRIBED on the new worker', from)
      expect(spawns).toHaveLength(2)
    },
  )
})
