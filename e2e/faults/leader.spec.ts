// Fault suite, the leader tab (issue #18): a browser without SharedWorker, whose tabs elect a leader that runs the
// engine. The leader crashed (CDP Page.crash: no pagehide, no unload), the leader frozen (CDP
// Page.setWebLifecycleState), every tab reloaded. Each time another tab must take over on its own: its channels
// rejoined (`resubscribed`), presence tracked again, durable sends resumed, nothing lost that the server had
// acknowledged, and one socket again. Figures: test-results/faults/browser-leader-*.json (RELIABILITY.md).
import type { Page } from '@playwright/test'
import puppeteer, { type Page as PuppeteerPage } from 'puppeteer-core'
import { eachRun, recordFault, runs, throwFailures } from '@shared-realtime/test-support/record'
import { demoPort } from '../../playwright.config.ts'
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs'
import { expect, test } from '../fixtures.ts'
import {
  durableWaiting,
  flows,
  leaderAmong,
  leaderOf,
  openTabs,
  resubscribes,
  subscribe,
  timedEventsOf,
  topicName,
  withoutSharedWorker,
} from '../lab.ts'
import { admin, type Stats, watch } from '../realtime.ts'

const sockets = async () => (await admin<Stats>('/admin/stats')).sockets

test.beforeEach(async ({ context }) => {
  await withoutSharedWorker(context)
  await expect.poll(sockets, { timeout: 10_000 }).toBe(0)
})

/** When `page` first heard `resubscribed` on `topic` after `since` (epoch ms), or undefined. */
async function resubscribedAt(page: Page, topic: string, since: number): Promise<number | undefined> {
  const events = await timedEventsOf(page, 'system')
  return events.find(
    (e) => e.topic === topic && (e.payload as { message?: string }).message === 'resubscribed' && e.at >= since,
  )?.at
}

/** The payloads `{ run, i }` of the broadcasts of `event` that `page` received on `topic`. */
async function received(page: Page, topic: string, event: string): Promise<Array<{ run: number; i: number }>> {
  const events = await timedEventsOf(page, 'broadcast')
  return events
    .filter((e) => e.topic === topic && (e.payload as { event?: string }).event === event)
    .map((e) => (e.payload as { payload: { run: number; i: number } }).payload)
}

const key = (p: { run: number; i: number }) => `${p.run}:${p.i}`

/** How long after its delivery a durable send stored before the crash may take to answer (it answers on the reply). */
const STORED_ANSWER_MS = 2000

test('the leader tab crashed: another tab leads, channels rejoined, presence re-tracked, nothing acknowledged lost', async ({
  context,
}) => {
  const total = runs(2, 10)
  test.setTimeout(60_000 + total * 60_000)
  const tabs = await openTabs(context, 4, { host: 'auto' })
  const topic = topicName('leader-crash')
  const watcher = await watch(topic) // outside this browser: what the server delivered
  const watchers = [watcher]
  const handoverMs: number[] = []
  const perRun: Array<Record<string, unknown>> = []
  let lostTotal = 0
  try {
    for (const tab of tabs) expect(await subscribe(tab, topic, { key: 'browser-1' })).toBe('SUBSCRIBED')
    for (const tab of tabs) await tab.evaluate(([t]) => window.lab.track(t!, { at: 'start' }), [topic])
    await expect.poll(() => watcher.metas('browser-1').length, { timeout: 10_000 }).toBe(1)
    const outcome = await eachRun(total, async (run) => {
      // the crashed leader replaced by a fresh tab that finds the new leader, subscribes and tracks as the first ones
      // did (so a later run still has a tab that tracks: presence must come back from the survivors' memory), also
      // after a run that failed
      while (tabs.length < 4) {
        const [fresh] = (await openTabs(context, 1, { host: 'auto' })) as [Page]
        tabs.push(fresh)
        expect(await subscribe(fresh, topic, { key: 'browser-1' })).toBe('SUBSCRIBED')
        await fresh.evaluate(([t]) => window.lab.track(t!, { at: 'start' }), [topic])
      }
      const leader = await leaderAmong(tabs)
      const leaderTab = (await leaderOf(leader))!.tab
      const survivors = tabs.filter((tab) => tab !== leader)
      const [sender, receiver] = survivors as [Page, Page]
      const before = await Promise.all(survivors.map((tab) => resubscribes(tab, topic)))
      const refsBefore = watcher.metas('browser-1').map((m) => (m as { phx_ref: string }).phx_ref)
      // acknowledged before the crash: every one of these resolved 'ok' (the server has it)
      const pre = await sender.evaluate(
        async ([t, r]) => {
          const results: string[] = []
          for (let i = 0; i < 20; i++) results.push(String(await window.lab.send(t!, 'pre', { run: r, i })))
          return results
        },
        [topic, run] as const,
      )
      const acked = pre.flatMap((r, i) => (r === 'ok' ? [{ run, i }] : []))
      expect(acked, 'every send before the crash acknowledged').toHaveLength(20)
      // a durable send stored and not yet sent when the leader dies: its channel (on a topic of its own) cannot
      // join (the dev server delays joins), so the item waits in the leader's engine and in IndexedDB
      const parked = topicName('leader-crash-durable')
      const parkedWatcher = await watch(parked)
      watchers.push(parkedWatcher)
      await admin('/admin/faults', { joins: { delayMs: 10_000 } })
      void sender.evaluate(([t]) => window.lab.subscribe(t!), [parked] as const)
      const stored = sender.evaluate(
        ([t, r]) =>
          window.lab.send(t!, 'durable', { run: r, i: 0 }, { durable: true }).then(String, (e) => `rejected: ${e}`),
        [parked, run] as const,
      )
      await expect.poll(() => durableWaiting(sender, parked), { timeout: 10_000 }).toBe(1)
      await admin('/admin/faults', { joins: 'normal' }) // the next engine's join goes through
      const cdp = await context.newCDPSession(leader)
      const crashedAt = Date.now()
      void cdp.send('Page.crash').catch(() => {}) // never answers: the page is gone
      tabs.splice(tabs.indexOf(leader), 1)
      // while there is no leader: one durable send, and plain ones every 100 ms until the channel is back
      const durableDuring = sender.evaluate(
        ([t, r]) =>
          window.lab.send(t!, 'durable', { run: r, i: 1 }, { durable: true }).then(String, (e) => `rejected: ${e}`),
        [topic, run] as const,
      )
      const during = sender.evaluate(
        async ([t, r, since]) => {
          const results: string[] = []
          const back = () =>
            window.lab.events.some(
              (e) =>
                e.topic === t &&
                e.kind === 'system' &&
                (e.payload as { message?: string }).message === 'resubscribed' &&
                e.at >= since!,
            )
          for (let i = 0; i < 300 && !back(); i++) {
            results.push(await window.lab.send(t!, 'during', { run: r, i }).then(String, (e) => `rejected: ${e}`))
            await new Promise((resolve) => setTimeout(resolve, 100))
          }
          return results
        },
        [topic, run, crashedAt] as const,
      )
      // a new leader, among the survivors, and every survivor's channel rejoined
      const next = await leaderAmong(survivors, 30_000)
      expect((await leaderOf(next))!.tab).not.toBe(leaderTab)
      for (const [i, tab] of survivors.entries())
        await expect
          .poll(() => resubscribes(tab, topic), { timeout: 30_000, intervals: [100] })
          .toBeGreaterThan(before[i]!)
      const subscribedAgain = await resubscribedAt(next, topic, crashedAt)
      if (subscribedAgain !== undefined) handoverMs.push(subscribedAgain - crashedAt)
      const duringResults = await during
      const durableDuringResult = await durableDuring
      const ackedDuring = duringResults.flatMap((r, i) => (r === 'ok' ? [{ run, i }] : []))
      // presence tracked again by the new leader's engine: one entry for the browser, a new ref
      await expect
        .poll(
          () => {
            const refs = watcher.metas('browser-1').map((m) => (m as { phx_ref: string }).phx_ref)
            return refs.length === 1 && !refsBefore.includes(refs[0]!)
          },
          { timeout: 15_000 },
        )
        .toBe(true)
        .catch(() => undefined) // counted below
      const retracked = watcher.metas('browser-1').length === 1
      // the durable send stored before the crash goes out from the new leader's engine once its channel joins
      const ofRun = (w: typeof watcher) => w.broadcasts('durable').filter((p) => (p as { run: number }).run === run)
      await expect
        .poll(() => ofRun(parkedWatcher).length, { timeout: 30_000 })
        .toBeGreaterThanOrEqual(1)
        .catch(() => undefined) // counted below
      const durableDelivered = ofRun(parkedWatcher).length
      // its send(), run again on the new leader with the same id, is answered by that delivery's reply: at most
      // STORED_ANSWER_MS after the watcher saw it (the rerun waits for it before it looks the item up)
      const storedResult = await Promise.race([
        stored,
        new Promise((r) => setTimeout(() => r('pending'), STORED_ANSWER_MS)),
      ])
      // the one made during the hand-over: delivered if its send resolved 'ok'
      const durableDuringDelivered = ofRun(watcher).length
      // nothing the server acknowledged is missing at the receiving tab or at the watcher
      await flows(sender, receiver, topic, `after-crash-${run}`)
      const atReceiver = new Set([
        ...(await received(receiver, topic, 'pre')).map(key),
        ...(await received(receiver, topic, 'during')).map(key),
      ])
      const atWatcher = new Set(
        [...watcher.broadcasts('pre'), ...watcher.broadcasts('during')].map((p) =>
          key(p as { run: number; i: number }),
        ),
      )
      const ackedAll = [...acked, ...ackedDuring].map(key)
      const lost = ackedAll.filter((k) => !atReceiver.has(k)).length + ackedAll.filter((k) => !atWatcher.has(k)).length
      lostTotal += lost
      await expect.poll(sockets, { timeout: 15_000 }).toBe(1 + watchers.length) // the browser's one, the watchers'
      perRun.push({
        run,
        handoverMs: subscribedAgain === undefined ? null : subscribedAgain - crashedAt,
        ackedBefore: acked.length,
        sentDuring: duringResults.length,
        ackedDuring: ackedDuring.length,
        notAckedDuring: duringResults.filter((r) => r !== 'ok'),
        durableStoredResult: storedResult,
        durableStoredDelivered: durableDelivered,
        durableDuringResult,
        durableDuringDelivered,
        retracked,
        lost,
      })
      expect(lost, 'acknowledged messages lost').toBe(0)
      expect(retracked, 'presence re-tracked').toBe(true)
      expect(durableDelivered, 'the stored durable send delivered by the new leader').toBe(1)
      expect(storedResult, `the stored durable send answered within ${STORED_ANSWER_MS} ms of its delivery`).toBe('ok')
      // a command on its way to the dying leader runs again on the next one (the Supervisor's lost connection)
      expect(
        duringResults.filter((r) => r !== 'ok'),
        'every send made during the hand-over acknowledged',
      ).toEqual([])
      expect(durableDuringResult, 'the durable send made during the hand-over acknowledged').toBe('ok')
      expect(durableDuringDelivered, 'the durable send made during the hand-over delivered').toBeGreaterThan(0)
    })
    recordFault('browser-leader-crash', {
      fault:
        'leader tab crashed (CDP Page.crash) among 4 tabs, no SharedWorker: new leader, channels rejoined, presence re-tracked, a stored durable send resumed; 20 acked sends before, sends every 100 ms during',
      runs: total,
      recovered: outcome.recovered,
      dataLost: lostTotal,
      recoverMs: handoverMs,
      extra: {
        note: 'recoverMs: crash → the new leader tab hears `resubscribed` (its channel SUBSCRIBED again)',
        perRun,
      },
    })
    throwFailures(outcome)
  } finally {
    await admin('/admin/faults', { joins: 'normal' })
    for (const w of watchers) w.close()
  }
})

test('all tabs reloaded at once: one leader, one socket, channels working again', async ({ context }) => {
  const total = runs(2, 10)
  test.setTimeout(30_000 + total * 30_000)
  const tabs = (await openTabs(context, 3, { host: 'auto' })) as [Page, Page, Page]
  const topic = topicName('leader-reload')
  const recoverMs: number[] = []
  const outcome = await eachRun(total, async (run) => {
    const startedAt = Date.now()
    await Promise.all(tabs.map((tab) => tab.reload()))
    for (const tab of tabs) await expect(tab.locator('#status')).toHaveText('ready (host leader)')
    for (const tab of tabs) expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
    await leaderAmong(tabs)
    await flows(tabs[0], tabs[1], topic, `reload-a-${run}`)
    await flows(tabs[2], tabs[0], topic, `reload-b-${run}`)
    await expect.poll(sockets, { timeout: 15_000 }).toBe(1)
    recoverMs.push(Date.now() - startedAt)
  })
  recordFault('browser-leader-reload-all', {
    fault: 'all 3 tabs reloaded at once, no SharedWorker: one leader, one socket, broadcasts flow both ways',
    runs: total,
    recovered: outcome.recovered,
    dataLost: null,
    recoverMs,
  })
  throwFailures(outcome)
})

// Frozen: Chromium freezes a page (and its dedicated workers) on CDP Page.setWebLifecycleState only when the page is
// hidden. Playwright keeps every page of a headless context visible (its focus emulation), so the freeze has no effect
// there (e2e/faults/tabs.spec.ts); this test drives its own Chromium with puppeteer-core, whose tabs share one window:
// every tab but the front one is hidden, as in a desktop browser.
test('the leader frozen: another tab takes over; thawed, the old leader steps down (one socket again)', async () => {
  const total = runs(1, 5)
  test.setTimeout(60_000 + total * 60_000)
  const { executablePath, args } = chromiumLaunchOptions()
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', ...args] })
  const problems: string[] = []
  const takeoverMs: number[] = []
  const stepDownMs: number[] = []
  const perRun: Array<Record<string, unknown>> = []
  const evaluate = <T>(page: PuppeteerPage, expression: string) => page.evaluate(expression) as Promise<T>
  const open = async () => {
    const page = await browser.newPage()
    page.on('console', (m) => void (m.type() === 'error' && problems.push(`console.error: ${m.text()}`)))
    page.on('pageerror', (e) => void problems.push(`page error: ${String(e)}`))
    await page.evaluateOnNewDocument(() => {
      delete (window as { SharedWorker?: unknown }).SharedWorker
    })
    await page.goto(`http://127.0.0.1:${demoPort}/lab.html?host=auto`, { waitUntil: 'load' })
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === 'ready (host leader)', {
      timeout: 15_000,
    })
    return page
  }
  type Leader = { tab: string; since: number; self: boolean } | null
  const leaderIn = (page: PuppeteerPage) => evaluate<Leader>(page, 'window.lab.inspect().then((s) => s.leader ?? null)')
  const resubscribedIn = (page: PuppeteerPage, topic: string, since: number) =>
    evaluate<number | null>(
      page,
      `(window.lab.events.find((e) => e.topic === ${JSON.stringify(topic)} && e.kind === 'system' && e.payload.message === 'resubscribed' && e.at >= ${since}) ?? { at: null }).at`,
    )
  const sendFrom = (page: PuppeteerPage, topic: string, event: string) =>
    evaluate<string>(page, `window.lab.send(${JSON.stringify(topic)}, ${JSON.stringify(event)}, {}).then(String)`)
  const seenAt = (page: PuppeteerPage, topic: string, event: string) =>
    evaluate<boolean>(
      page,
      `window.lab.events.some((e) => e.topic === ${JSON.stringify(topic)} && e.kind === 'broadcast' && e.payload.event === ${JSON.stringify(event)})`,
    )
  const flowsBetween = async (from: PuppeteerPage, to: PuppeteerPage, topic: string, tag: string) => {
    await expect(async () => {
      await sendFrom(from, topic, tag)
      expect(await seenAt(to, topic, tag)).toBe(true)
    }).toPass({ timeout: 15_000 })
  }
  try {
    const tabs = [await open(), await open(), await open()]
    const topic = topicName('leader-freeze')
    for (const tab of tabs)
      expect(await evaluate(tab, `window.lab.subscribe(${JSON.stringify(topic)}, { key: 'browser-1' })`)).toBe(
        'SUBSCRIBED',
      )
    const outcome = await eachRun(total, async (run) => {
      let leader: PuppeteerPage | undefined
      await expect(async () => {
        const leaders = await Promise.all(tabs.map(leaderIn))
        const selves = tabs.filter((_, i) => leaders[i]?.self)
        expect(selves).toHaveLength(1)
        leader = selves[0]
      }).toPass({ timeout: 15_000 })
      const oldLeader = leader!
      const oldId = (await leaderIn(oldLeader))!.tab
      const followers = tabs.filter((tab) => tab !== oldLeader)
      await followers[0]!.bringToFront() // the leader is hidden: a frozen tab is a background one
      const cdp = await oldLeader.createCDPSession()
      const frozenAt = Date.now()
      await cdp.send('Page.setWebLifecycleState', { state: 'frozen' })
      // a follower takes over: it leads, the other names it, both channels rejoined
      let next: PuppeteerPage | undefined
      await expect(async () => {
        const leaders = await Promise.all(followers.map(leaderIn))
        const selves = followers.filter((_, i) => leaders[i]?.self)
        expect(selves).toHaveLength(1)
        expect(new Set(leaders.map((l) => l?.tab)).size).toBe(1)
        expect(leaders[0]?.tab).not.toBe(oldId)
        for (const tab of followers) expect(await resubscribedIn(tab, topic, frozenAt)).not.toBeNull()
        next = selves[0]
      }).toPass({ timeout: 60_000, intervals: [100] })
      const tookOverAt = await resubscribedIn(next!, topic, frozenAt)
      takeoverMs.push(tookOverAt! - frozenAt)
      await flowsBetween(followers[0]!, followers[1]!, topic, `frozen-${run}`)
      const socketsWhileFrozen = await sockets()
      // thawed: the old leader steps down (it follows the new one) and the browser is back to one socket
      const thawedAt = Date.now()
      await cdp.send('Page.setWebLifecycleState', { state: 'active' })
      await oldLeader.bringToFront()
      await expect(async () => {
        const l = await leaderIn(oldLeader)
        expect(l?.self).toBe(false)
        expect(await sockets()).toBe(1)
      }).toPass({ timeout: 60_000, intervals: [100] })
      stepDownMs.push(Date.now() - thawedAt)
      await flowsBetween(oldLeader, followers[0]!, topic, `thawed-${run}`)
      await flowsBetween(followers[1]!, oldLeader, topic, `to-thawed-${run}`)
      perRun.push({ run, takeoverMs: tookOverAt! - frozenAt, stepDownMs: stepDownMs.at(-1), socketsWhileFrozen })
      await cdp.detach().catch(() => undefined)
    })
    recordFault('browser-leader-freeze', {
      fault:
        'leader tab frozen (CDP Page.setWebLifecycleState frozen, hidden tab), 3 tabs, no SharedWorker: a follower takes over; thawed, the old leader steps down',
      runs: total,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs: takeoverMs,
      extra: {
        note: 'recoverMs: freeze → the new leader hears `resubscribed`; stepDownMs: thaw → the old leader follows and the server counts one socket',
        stepDownMs,
        perRun,
      },
    })
    throwFailures(outcome)
    expect(problems, 'errors in the pages').toEqual([])
  } finally {
    await browser.close()
  }
})
