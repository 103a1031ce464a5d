// Fault suite (issue #8): the SharedWorker killed under its tabs, the only tab reloaded, and
// (the back/forward cache is bfcache.spec.ts). The app must recover each time without help.
import type { Page } from '@playwright/test'
import { eachRun, recordFault, runs, throwFailures } from '@shared-realtime/test-support/record'
import { expect, test } from '../fixtures.ts'
import { durableWaiting, flows, openTabs, resubscribes, subscribe, topicName } from '../lab.ts'
import { admin, watch } from '../realtime.ts'
import { evaluateInWorker, fakedReplies, fakeSilentRestart, killSharedWorker } from '../worker-cdp.ts'

test('the SharedWorker killed under two tabs, again and again: they resubscribe and talk again', async ({
  context,
  errors,
}) => {
  const total = runs(2, 10)
  test.setTimeout(30_000 + total * 40_000)
  const tabs = (await openTabs(context, 2)) as [Page, Page]
  const topic = topicName('worker-kill')
  for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  const recoverMs: number[] = []
  const cdp = await context.newCDPSession(tabs[0])
  const outcome = await eachRun(total, async (run) => {
    const before = await Promise.all(tabs.map((tab) => resubscribes(tab, topic)))
    const killedAt = await killSharedWorker(cdp, errors.releaseWorker)
    for (const [i, tab] of tabs.entries())
      await expect
        .poll(() => resubscribes(tab, topic), { timeout: 30_000, intervals: [100] })
        .toBeGreaterThan(before[i]!)
    await flows(tabs[0], tabs[1], topic, `after-kill-${run}`)
    recoverMs.push(Date.now() - killedAt)
  })
  recordFault('browser-worker-kill', {
    fault: 'SharedWorker killed (CDP Target.closeTarget) under 2 tabs: new worker, channels rejoined, broadcast flows',
    runs: total,
    recovered: outcome.recovered,
    dataLost: null,
    recoverMs,
  })
  throwFailures(outcome)
})

// A durable send stored, not yet sent (its channel cannot join: the dev server delays joins), when the SharedWorker is
// killed: the tab's link runs the send again (same id) on the new worker, whose engine resumes the stored item at the
// join. The item goes out once, and the send() answers 'ok' on that push's reply, within STORED_ANSWER_MS of its
// delivery (the rerun used to miss a reply that came while it looked the item up, as in the leader spec).
const STORED_ANSWER_MS = 2000

test('the SharedWorker killed with a durable send stored: the new worker sends it once, and its send() answers ok', async ({
  context,
  errors,
}) => {
  const total = runs(2, 10)
  test.setTimeout(30_000 + total * 40_000)
  const [tab] = (await openTabs(context, 1)) as [Page]
  const recoverMs: number[] = []
  const perRun: Array<Record<string, unknown>> = []
  const watchers: Array<Awaited<ReturnType<typeof watch>>> = []
  const cdp = await context.newCDPSession(tab)
  try {
    const outcome = await eachRun(total, async (run) => {
      const topic = topicName('worker-kill-durable')
      const watcher = await watch(topic)
      watchers.push(watcher)
      await admin('/admin/faults', { joins: { delayMs: 10_000 } })
      void tab.evaluate((t) => window.lab.subscribe(t), topic)
      const stored = tab.evaluate(
        ([t, r]) => window.lab.send(t!, 'durable', { run: r }, { durable: true }).then(String, (e) => `rejected: ${e}`),
        [topic, run] as const,
      )
      await expect.poll(() => durableWaiting(tab, topic), { timeout: 10_000 }).toBe(1)
      await admin('/admin/faults', { joins: 'normal' }) // the new worker's join goes through
      const killedAt = await killSharedWorker(cdp, errors.releaseWorker)
      await expect.poll(() => watcher.broadcasts('durable').length, { timeout: 30_000 }).toBeGreaterThanOrEqual(1)
      const deliveredAt = Date.now()
      const result = await Promise.race([stored, new Promise((r) => setTimeout(() => r('pending'), STORED_ANSWER_MS))])
      const delivered = watcher.broadcasts('durable').length
      perRun.push({ run, deliveredMs: deliveredAt - killedAt, result, delivered })
      recoverMs.push(deliveredAt - killedAt)
      expect(result, `the stored durable send answered within ${STORED_ANSWER_MS} ms of its delivery`).toBe('ok')
      expect(delivered, 'the stored durable send delivered once').toBe(1)
    })
    recordFault('browser-worker-kill-durable', {
      fault:
        'SharedWorker killed (CDP Target.closeTarget) with a durable send stored and not yet sent: the new worker sends it once, its send() answers ok',
      runs: total,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: { note: 'recoverMs: kill → the watcher sees the durable send (polled)', perRun },
    })
    throwFailures(outcome)
  } finally {
    await admin('/admin/faults', { joins: 'normal' })
    for (const w of watchers) w.close()
  }
})

test('the only tab reloaded, again and again: it subscribes and receives each time', async ({ context }) => {
  const total = runs(2, 10)
  test.setTimeout(30_000 + total * 15_000)
  const [tab, peer] = (await openTabs(context, 2)) as [Page, Page]
  await peer.close() // `tab` is the only one; the peer comes back only to check delivery
  const topic = topicName('reload')
  const recoverMs: number[] = []
  const outcome = await eachRun(total, async (run) => {
    const startedAt = Date.now()
    await tab.reload()
    await expect(tab.locator('#status')).toHaveText('ready (host shared-worker)')
    expect(await subscribe(tab, topic, { self: true })).toBe('SUBSCRIBED')
    await flows(tab, tab, topic, `after-reload-${run}`)
    recoverMs.push(Date.now() - startedAt)
  })
  recordFault('browser-reload-only-tab', {
    fault: 'reload of the only tab: subscribe and self-broadcast work after',
    runs: total,
    recovered: outcome.recovered,
    dataLost: null,
    recoverMs,
  })
  throwFailures(outcome)
})

// A worker that restarts silently, as its tab sees it: a reply with another instance id (a new worker behind the
// same name), or a `not-attached` reply (a worker that forgot the tab). The real worker keeps running; its next
// reply is rewritten inside it (worker-cdp.ts). The tab must notice on its own, attach again and resubscribe.
for (const kind of ['instance', 'not-attached'] as const) {
  const what = kind === 'instance' ? 'a reply with another instance id' : 'a not-attached reply'
  test(`a worker that restarts silently (${what}): the tab attaches again, resubscribes, and talks`, async ({
    context,
  }) => {
    const total = runs(1, 5)
    test.setTimeout(30_000 + total * 40_000)
    const tabs = (await openTabs(context, 2)) as [Page, Page]
    const topic = topicName(`silent-${kind}`)
    for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    const recoverMs: number[] = []
    const outcome = await eachRun(total, async (run) => {
      const before = await resubscribes(tabs[0], topic)
      const faked = await fakedReplies(context)
      expect(await fakeSilentRestart(context, kind)).toBe(true)
      const t0 = Date.now()
      // the tab's next command gets the rewritten reply
      await tabs[0].evaluate((t) => window.lab.send(t, 'trigger', {}), topic).catch(() => undefined)
      expect(await fakedReplies(context), 'the rewritten reply went out').toBe(faked + 1)
      await expect
        .poll(() => resubscribes(tabs[0], topic), { timeout: 30_000, intervals: [100] })
        .toBeGreaterThan(before)
      await flows(tabs[0], tabs[1], topic, `after-${kind}-${run}`)
      await flows(tabs[1], tabs[0], topic, `to-${kind}-${run}`)
      recoverMs.push(Date.now() - t0)
    })
    recordFault(`browser-worker-silent-${kind}`, {
      fault: `a worker that restarts silently (${what}), 2 tabs: the tab attaches again, resubscribes, broadcasts flow`,
      runs: total,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
    })
    throwFailures(outcome)
  })
}

test('an error inside the SharedWorker fails the test: the fixture watches the worker', async ({ context, errors }) => {
  // the fixture fails a test on any worker error it was not told to expect: this one declares it, and the fixture
  // then checks that it was seen (a fixture blind to the worker fails here)
  errors.expectErrors(/shared worker error: .*worker-boom-7d2e/, /shared worker console\.error: worker-log-7d2e/)
  await openTabs(context, 1)
  await evaluateInWorker(
    context,
    "console.error('worker-log-7d2e'); setTimeout(() => { globalThis.__threw = true; throw new Error('worker-boom-7d2e') }); true",
  )
  // the throw has happened once the flag is set (the fixture's session hears of it as it happens)
  await expect.poll(() => evaluateInWorker(context, 'globalThis.__threw === true')).toBe(true)
})
