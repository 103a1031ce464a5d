// Fault suite (issue #8, #17): a back/forward navigation that really uses the back/forward cache. Playwright starts
// Chromium with --disable-back-forward-cache (every back navigation then reloads the page); this file launches it
// without that switch, so the page itself is frozen and restored (pageshow.persisted). The page frozen in the cache
// lets go of the worker (page-transitions.ts); the restored one must attach again and work.
import type { Page } from '@playwright/test'
import { recordFault } from '@shared-realtime/test-support/record'
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs'
import { expect, test } from '../fixtures.ts'
import { flows, openTabs, subscribe, topicName } from '../lab.ts'

test.use({ launchOptions: { ...chromiumLaunchOptions(), ignoreDefaultArgs: ['--disable-back-forward-cache'] } })

test('a back/forward navigation restores the page from the bfcache; it attaches again and broadcasts flow', async ({
  context,
}) => {
  const [tab, other] = (await openTabs(context, 2)) as [Page, Page]
  const topic = topicName('bfcache')
  expect(await subscribe(tab, topic)).toBe('SUBSCRIBED')
  expect(await subscribe(other, topic)).toBe('SUBSCRIBED')
  const cdp = await context.newCDPSession(tab)
  await cdp.send('Page.enable')
  const notUsed: unknown[] = []
  cdp.on('Page.backForwardCacheNotUsed', (event) => notUsed.push(event.notRestoredExplanations))
  await tab.evaluate(() =>
    window.addEventListener('pageshow', (e) => ((window as unknown as { restored: boolean }).restored = e.persisted)),
  )
  const startedAt = Date.now()
  await tab.goto('/?away=1')
  // a restore from the bfcache fires no `load`: wait for the commit, then for the pageshow (a reload never sets it)
  await tab.goBack({ waitUntil: 'commit' })
  const restored = await expect
    .poll(() => tab.evaluate(() => (window as unknown as { restored?: boolean }).restored === true), { timeout: 5000 })
    .toBe(true)
    .then(
      () => true,
      () => false,
    )
  await expect(tab.locator('#status')).toHaveText('ready (host shared-worker)')
  // recorded before anything is asserted: a refused restore shows as 0 of 1, with Chromium's reasons
  let flowed = false
  try {
    await flows(other, tab, topic, 'after-back')
    await flows(tab, other, topic, 'from-back')
    flowed = true
  } finally {
    recordFault('browser-bfcache', {
      fault: 'back/forward navigation, restored from the bfcache: the page attaches again, broadcasts flow both ways',
      runs: 1,
      recovered: restored && flowed ? 1 : 0,
      dataLost: null,
      recoverMs: [Date.now() - startedAt],
      extra: { restoredFromBfcache: restored, notRestoredReasons: notUsed },
    })
  }
  expect(restored, `not restored from the bfcache: ${JSON.stringify(notUsed)}`).toBe(true)
})
