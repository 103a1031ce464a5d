// Load (issue #8): many tabs × many channels of one browser on one SharedWorker while the dev
// server broadcasts to every channel at a steady total rate. Healthy tabs lose nothing; the
// worker's heap is read at the start and the end (after a forced GC); latency server send →
// tab callback is reported (one clock: timeOrigin + now on both ends, this machine).
// Full (FAULTS_FULL=1): 20 tabs × 20 channels, 5,000 msg/s for 30 s. Reduced: 4 × 4, 1,000 msg/s, 5 s.
import type { Page } from '@playwright/test'
import { FULL, recordFault } from '@shared-realtime/test-support/record'
import { expect, test } from '../fixtures.ts'
import { openTabs, subscribe, topicName } from '../lab.ts'
import { admin } from '../realtime.ts'
import { sharedWorkerHeap } from '../../scripts/worker-heap.mjs'

const TABS = FULL ? 20 : 4
const CHANNELS = FULL ? 20 : 4
const RATE = FULL ? 5_000 : 1_000
const SECONDS = FULL ? 30 : 5

test(`${TABS} tabs × ${CHANNELS} channels, ${RATE} msg/s for ${SECONDS} s: nothing lost, the worker's heap flat`, async ({
  context,
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000 + SECONDS * 4_000 + TABS * 5_000)
  const tabs = await openTabs(context, TABS)
  const topics = Array.from({ length: CHANNELS }, (_, i) => topicName(`load-${i}`))
  for (const tab of tabs)
    for (const topic of topics) expect(await subscribe(tab, topic, { count: 'blast' })).toBe('SUBSCRIBED')
  const cdp = await browser.newBrowserCDPSession()
  const workerHeap = () => sharedWorkerHeap(cdp, new URL(baseURL!).origin)
  const perChannel = Math.round((RATE * SECONDS) / CHANNELS)
  const blastAll = () =>
    Promise.all(
      topics.map((topic) =>
        admin('/admin/blast', { topic, event: 'blast', count: perChannel, ratePerSec: RATE / CHANNELS }),
      ),
    )
  const received = (tab: Page) =>
    tab.evaluate(() => Object.values(window.lab.counted()).reduce((n, c) => n + c.received, 0))

  // warm-up: a tenth of the load, then a clean slate
  await Promise.all(
    topics.map((topic) =>
      admin('/admin/blast', {
        topic,
        event: 'blast',
        count: Math.max(10, Math.round(perChannel / 10)),
        ratePerSec: RATE / CHANNELS,
      }),
    ),
  )
  await expect
    .poll(
      async () =>
        (await Promise.all(tabs.map(received))).every(
          (n) => n === CHANNELS * Math.max(10, Math.round(perChannel / 10)),
        ),
      { timeout: 60_000 },
    )
    .toBe(true)
  for (const tab of tabs) await tab.evaluate(() => window.lab.resetCounts())
  const heapStart = await workerHeap()

  const startedAt = Date.now()
  const results = (await blastAll()) as Array<{ sent: number; rate: number }>
  const blastMs = Date.now() - startedAt
  const expected = perChannel * CHANNELS
  await expect
    .poll(async () => (await Promise.all(tabs.map(received))).every((n) => n >= expected), {
      timeout: 60_000 + SECONDS * 2_000,
    })
    .toBe(true)
  const drainedMs = Date.now() - startedAt
  const heapEnd = await workerHeap()

  const perTab = await Promise.all(tabs.map((tab) => tab.evaluate(() => window.lab.counted())))
  let lost = 0
  let outOfOrder = 0
  const p99s: number[] = []
  const p50s: number[] = []
  for (const counted of perTab) {
    for (const c of Object.values(counted)) {
      lost += perChannel - c.received
      outOfOrder += c.outOfOrder
      if (c.p99 !== null) p99s.push(c.p99)
      if (c.p50 !== null) p50s.push(c.p50)
    }
  }
  const sentRate = results.reduce((n, r) => n + r.rate, 0)
  const worst = (xs: number[]) => Math.round(Math.max(...xs) * 10) / 10
  const median = (xs: number[]) => Math.round(xs.toSorted((a, b) => a - b)[Math.floor(xs.length / 2)]! * 10) / 10
  recordFault('browser-load', {
    fault: `${TABS} tabs × ${CHANNELS} channels, ${RATE} msg/s total for ${SECONDS} s (${expected} messages per tab)`,
    runs: 1,
    recovered: lost === 0 && outOfOrder === 0 ? 1 : 0,
    dataLost: lost + outOfOrder,
    recoverMs: [],
    extra: {
      tabs: TABS,
      channels: CHANNELS,
      targetRate: RATE,
      achievedSendRate: Math.round(sentRate),
      blastMs,
      drainedMs,
      deliveredPerTab: expected,
      workerHeapStartMB: Math.round((heapStart / 1e6) * 100) / 100,
      workerHeapEndMB: Math.round((heapEnd / 1e6) * 100) / 100,
      latencyP50MsMedianOfChannels: median(p50s),
      latencyP99MsMedianOfChannels: median(p99s),
      latencyP99MsWorstChannel: worst(p99s),
    },
  })
  expect({ lost, outOfOrder }).toEqual({ lost: 0, outOfOrder: 0 })
  // flat: the heap after the run is within a few MB of the warm start (no per-message leak)
  expect(heapEnd - heapStart).toBeLessThan(5e6)
})
