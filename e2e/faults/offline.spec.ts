// Fault suite (issue #8): the browser offline for 30 s (10 s in the reduced suite): its
// network to the dev server cut (a TCP proxy, as Chromium's offline emulation does not reach
// a SharedWorker) and its pages offline. It reconnects after, and what was sent durably
// meanwhile is delivered exactly once, even from a tab closed while offline.
import type { Page } from '@playwright/test'
import { FULL, recordFault } from '@shared-realtime/test-support/record'
import { expect, test } from '../fixtures.ts'
import { durableWaiting, openTabs, resubscribes, subscribe, topicName } from '../lab.ts'
import { proxyNetwork, setOffline, spawnDevServer, watch } from '../realtime.ts'

const outageMs = FULL ? 30_000 : 10_000

test(`offline for ${outageMs / 1000} s: reconnects after, and the durable outbox is delivered exactly once`, async ({
  context,
  errors,
}) => {
  test.setTimeout(outageMs + 90_000)
  errors.allowErrors(/Failed to load resource: net::ERR_INTERNET_DISCONNECTED/)
  const server = await spawnDevServer()
  const network = await proxyNetwork(server.port)
  const topic = topicName('offline')
  const watcher = await watch(topic, server.port) // outside the browser, connected directly
  try {
    const [a, b, c] = (await openTabs(context, 3, { realtime: network.httpUrl })) as [Page, Page, Page]
    for (const tab of [a, b, c]) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    await expect.poll(() => watcher.keys().length >= 0).toBe(true)
    const before = await resubscribes(a, topic)

    await setOffline(context, network, true)
    const wentOfflineAt = Date.now()
    const ids = ['a1', 'a2', 'b1', 'c1']
    const sends = [
      a.evaluate(([t]) => window.lab.send(t!, 'durable', { id: 'a1' }, { durable: true }), [topic]),
      a.evaluate(([t]) => window.lab.send(t!, 'durable', { id: 'a2' }, { durable: true }), [topic]),
      b.evaluate(([t]) => window.lab.send(t!, 'durable', { id: 'b1' }, { durable: true }), [topic]),
      // its answer never comes: the tab is closed before the network is back
      c
        .evaluate(([t]) => window.lab.send(t!, 'durable', { id: 'c1' }, { durable: true }), [topic])
        .catch(() => 'tab closed'),
    ]
    // tab c is closed while offline: its message is the worker's to deliver
    await expect.poll(() => durableWaiting(a)).toBe(ids.length)
    await c.close()
    await a.waitForTimeout(outageMs - (Date.now() - wentOfflineAt)) // the outage itself
    expect(watcher.broadcasts('durable')).toEqual([])

    const backAt = Date.now()
    await setOffline(context, network, false)
    await expect.poll(() => resubscribes(a, topic), { timeout: 30_000, intervals: [100] }).toBeGreaterThan(before)
    const reconnectMs = Date.now() - backAt
    await expect
      .poll(() => watcher.broadcasts('durable').length, { timeout: 30_000 })
      .toBe(ids.length)
      .catch(() => undefined) // a missing one is counted below, after the figures are recorded
    const deliveredMs = Date.now() - backAt
    const results = await Promise.all(sends.slice(0, 3))
    expect(
      results.every((r) => r === 'ok' || r === 'timed out'),
      JSON.stringify(results),
    ).toBe(true)
    // nothing more comes: a second look after the outbox is idle
    await expect
      .poll(async () => {
        const snap = (await a.evaluate(() => window.lab.inspect())) as {
          engine?: { channels?: Array<{ outbox?: { durableWaiting?: number } }> }
        }
        return (snap.engine?.channels ?? []).reduce((n, ch) => n + (ch.outbox?.durableWaiting ?? 0), 0)
      })
      .toBe(0)
    const got = watcher.broadcasts('durable').map((p) => (p as { id: string }).id)
    const lost = ids.filter((id) => !got.includes(id)).length
    const duplicated = got.length - new Set(got).size
    recordFault('browser-offline', {
      fault: `browser offline ${outageMs / 1000} s (its network cut + pages offline); 4 durable sends meanwhile, one from a tab closed while offline`,
      runs: 1,
      recovered: lost === 0 && duplicated === 0 ? 1 : 0,
      dataLost: lost + duplicated,
      recoverMs: [reconnectMs],
      extra: { reconnectMs, deliveredMs, lost, duplicated },
    })
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 })
    // the tabs' `online` reaches the worker (which gets none of its own here): no waiting out the backoff (cap 30 s)
    expect(reconnectMs).toBeLessThan(3_000)
  } finally {
    watcher.close()
    await network.close()
    await server.stop()
  }
})
