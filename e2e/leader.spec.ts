// A browser without SharedWorker (issue #18): the tabs elect a leader that runs the engine, so five tabs still hold
// one socket. The lab page (apps/demo/lab.html) in a context whose pages have no `SharedWorker` global
// (withoutSharedWorker), with `host: 'auto'` (which then picks the leader tab) and `host: 'leader'`. The leader's
// faults (crashed, frozen, every tab reloaded) are e2e/faults/leader.spec.ts.
import type { Page } from '@playwright/test'
import { signIn, moreTabs } from './demo.ts'
import { expect, test } from './fixtures.ts'
import { eventsOf, leaderAmong, leaderOf, openTabs, subscribe, topicName, withoutSharedWorker } from './lab.ts'
import { admin, type Stats, watch } from './realtime.ts'

const stats = () => admin<Stats>('/admin/stats')

test.beforeEach(async ({ context }) => {
  await withoutSharedWorker(context)
  // every test starts from a server with no socket left by the previous one
  await expect.poll(async () => (await stats()).sockets, { timeout: 10_000 }).toBe(0)
})

for (const host of ['auto', 'leader'] as const) {
  test.describe(`no SharedWorker, host ${host}`, () => {
    test('five tabs: one leader, one socket, one server channel, one presence entry, broadcasts reach the others', async ({
      context,
    }) => {
      const tabs = (await openTabs(context, 5, { host })) as [Page, ...Page[]]
      expect(await tabs[0].evaluate(() => typeof (window as { SharedWorker?: unknown }).SharedWorker)).toBe('undefined')
      const leader = await leaderAmong(tabs)
      const topic = topicName(`leader-five-${host}`)
      for (const [i, tab] of tabs.entries())
        expect(await subscribe(tab, topic, { key: 'browser-1', self: i === 0 })).toBe('SUBSCRIBED')
      const s = await stats()
      expect({ sockets: s.sockets, channels: s.channels }).toEqual({ sockets: 1, channels: 1 })
      const watcher = await watch(topic) // a client outside this browser (a socket of its own)
      try {
        // every tab tracks: the browser is one presence entry (the last writer's payload)
        for (const [i, tab] of tabs.entries())
          await tab.evaluate(([t, n]) => window.lab.track(t!, { n }), [topic, i] as const)
        await expect.poll(() => watcher.keys(), { timeout: 10_000 }).toEqual(['browser-1'])
        expect(watcher.metas('browser-1')).toHaveLength(1)
        // a broadcast from a follower reaches the four others (the leader among them) and, with self, itself
        const sender = tabs.find((tab) => tab !== leader)!
        await sender.evaluate(([t]) => window.lab.send(t!, 'hello', { n: 1 }), [topic])
        const expected = { topic, kind: 'broadcast', payload: { type: 'broadcast', event: 'hello', payload: { n: 1 } } }
        for (const tab of tabs) {
          if (tab === sender && sender !== tabs[0]) continue // self only on tabs[0]
          await expect.poll(() => eventsOf(tab, 'broadcast')).toEqual([expected])
        }
        if (sender !== tabs[0]) expect(await eventsOf(sender, 'broadcast')).toEqual([])
        await expect.poll(() => watcher.broadcasts('hello')).toEqual([{ n: 1 }])
        // still one socket for the browser (and the watcher's), and every tab names the same leader
        expect((await stats()).sockets).toBe(2)
        expect(new Set((await Promise.all(tabs.map(leaderOf))).map((l) => l?.tab)).size).toBe(1)
      } finally {
        watcher.close()
      }
    })
  })
}

test("the demo's inspector says which tab leads and since when", async ({ page, context }) => {
  await signIn(page, 'Ada')
  const [second] = (await moreTabs(context, 1)) as [Page]
  const rows = await Promise.all(
    [page, second].map(async (tab) => {
      const inspector = tab.getByTestId('inspector')
      await expect(inspector).toContainText(/host\s*leader/)
      await expect(inspector).toContainText(/leader\s*(this tab|tab \S+…) since \d\d:\d\d:\d\d/)
      return (await inspector.textContent()) ?? ''
    }),
  )
  // exactly one of the two is the leader; the other names it
  const selves = rows.filter((text) => /leader\s*this tab since/.test(text))
  expect(selves).toHaveLength(1)
  await expect.poll(async () => (await stats()).sockets).toBe(1)
})
