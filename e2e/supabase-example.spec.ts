// A supabase-js app (apps/supabase-example, built and served at /supabase-example/ by `npm start`) with this client in
// place of @supabase/realtime-js: four tabs of one browser, everything through `supabase.channel()`, one socket.
import type { Page } from '@playwright/test'
import { expect, test } from './fixtures.ts'
import { topicName } from './lab.ts'
import { admin, type Stats, watch } from './realtime.ts'

const stats = () => admin<Stats>('/admin/stats')
const items = (tab: Page, list: string) => tab.locator(`#${list} li`).allTextContents()

test('four tabs of a supabase-js app: one socket; broadcast, presence and postgres_changes as with stock supabase-js', async ({
  context,
}) => {
  await expect.poll(async () => (await stats()).sockets, { timeout: 10_000 }).toBe(0)
  const room = topicName('supabase')
  const list = 100_000 + Math.floor(Math.random() * 1_000_000) // a demo_todos list no other test writes to
  const watcher = await watch(room) // a plain socket outside the browser: what the server holds
  try {
    const tabs: Page[] = []
    for (let i = 1; i <= 4; i++) {
      const tab = await context.newPage()
      await tab.goto(`/supabase-example/?room=${room}&list=${list}&name=tab${i}`)
      tabs.push(tab)
    }
    for (const tab of tabs) {
      await expect(tab.locator('#status')).toHaveText('SUBSCRIBED')
      await expect(tab.locator('#host')).toHaveText('shared-worker') // the swap is in effect: realtime-js has no host
    }
    // the browser's one socket, and one server channel for the topic (the watcher holds its own socket and channel)
    expect(await stats()).toMatchObject({ sockets: 2, channels: 2 })

    // presence: each tab tracked itself; the server holds one entry for the browser
    await expect.poll(() => watcher.keys(), { timeout: 10_000 }).toHaveLength(1)
    const [key] = watcher.keys()
    expect(watcher.metas(key!)).toHaveLength(1)
    for (const tab of tabs)
      await expect.poll(() => items(tab, 'people')).toEqual([expect.stringContaining('(this browser)')])

    // broadcast from tab 1 reaches the other three tabs and the server's other subscriber, not tab 1 (self is off)
    const [first, ...others] = tabs as [Page, ...Page[]]
    await first.locator('#text').fill('hello from tab 1')
    await first.locator('#send button').click()
    for (const tab of others) await expect.poll(() => items(tab, 'messages')).toEqual(['tab1: hello from tab 1'])
    await expect.poll(() => watcher.broadcasts('message')).toEqual([{ from: 'tab1', text: 'hello from tab 1' }])
    expect(await items(first, 'messages')).toEqual(['tab1 (me): hello from tab 1'])

    // postgres_changes: a row of the watched list, written in the database, reaches every tab once
    await admin('/admin/sql', {
      sql: 'insert into demo_todos (list_id, title) values ($1, $2), ($3, $4)',
      params: [list + 1, 'another list', list, 'from postgres'],
    })
    for (const tab of tabs) await expect.poll(() => items(tab, 'changes')).toEqual(['INSERT from postgres'])

    expect((await stats()).sockets).toBe(2)
  } finally {
    watcher.close()
    await admin('/admin/sql', { sql: 'delete from demo_todos where list_id in ($1, $2)', params: [list, list + 1] })
  }
})
