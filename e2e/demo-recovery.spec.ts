// The demo through failures a person meets: the dev server dies and comes back, the
// network goes away for a while. Each test starts its own dev server in a child process
// (so it can really be killed) and points the demo at it with ?realtime=.
import { message, say, signIn } from './demo.ts'
import { expect, test } from './fixtures.ts'
import { type DevServer, proxyNetwork, setOffline, spawnDevServer, watch, type Watcher } from './realtime.ts'

let server: DevServer
let watcher: Watcher | undefined
test.beforeEach(async () => {
  server = await spawnDevServer()
})
test.afterEach(async () => {
  watcher?.close()
  watcher = undefined
  await server.stop()
})

const demo = () => `/?realtime=${encodeURIComponent(server.httpUrl)}`

test('the dev server killed and restarted: the banner says reconnecting, then all works without a reload', async ({
  page,
  shots,
  errors,
}) => {
  // Chromium logs the page's own requests cut by the crash (a message being stored)
  errors.allowErrors(/Failed to load resource: net::ERR_CONNECTION_(RESET|REFUSED)/)
  await signIn(page, 'Hedy', demo())
  const banner = page.getByTestId('banner')
  await expect(page.getByTestId('presence-user')).toHaveCount(1)
  const before = `before the crash ${Date.now()}`
  await expect(await say(page, before)).toHaveAttribute('data-state', 'sent')

  await server.kill()
  await expect(banner).toBeVisible()
  await expect(banner).toHaveAttribute('data-state', 'reconnecting')
  await expect(banner).toContainText(/Reconnecting in \d+ s \(attempt \d+\)/)
  await shots.take(page, 'demo-reconnecting')

  await server.start()
  await expect(banner).toBeHidden({ timeout: 20_000 })
  await expect(page.getByTestId('sockets')).toHaveAttribute('data-count', '1')
  // everything works again: presence re-tracked, chat, and postgres_changes for the todos
  await expect(page.getByTestId('presence-user')).toHaveCount(1)
  const after = `after the restart ${Date.now()}`
  await expect(await say(page, after)).toHaveAttribute('data-state', 'sent')
  await expect(message(page, before)).toHaveCount(1)
  const title = `after the restart ${Date.now()}`
  await page.getByTestId('todo-input').fill(title)
  await page.getByTestId('todo-add').click()
  await expect(page.getByTestId('todo').filter({ hasText: title })).toHaveCount(1)
  await expect(page.getByTestId('todos-status')).toHaveText('live')
  // and another browser sees what this one says (a new socket on the restarted server)
  const watcherSees = await watch('room:lobby', server.port)
  watcher = watcherSees
  const third = `heard by others ${Date.now()}`
  await say(page, third)
  await expect
    .poll(() => watcherSees.broadcasts('message').filter((p) => (p as { text?: string }).text === third).length)
    .toBe(1)
})

test('offline for 10 s: messages written meanwhile are delivered once after; a durable one even after its tab closed', async ({
  page,
  context,
  browser,
  shots,
  errors,
}) => {
  test.setTimeout(120_000) // 2 × an outage, and the reconnect backoff after each (up to 10 s)
  // Chromium logs the page's own requests that fail while offline (a history reload, a store)
  errors.allowErrors(/Failed to load resource: net::ERR_INTERNET_DISCONNECTED/)
  const network = await proxyNetwork(server.port) // Grace's network; Linus and the watcher connect directly
  const viaNetwork = `/?realtime=${encodeURIComponent(network.httpUrl)}`
  await signIn(page, 'Grace', viaNetwork)
  const other = await browser.newContext()
  try {
    const linus = await other.newPage()
    await signIn(linus, 'Linus', demo())
    await expect(page.getByTestId('presence-user')).toHaveCount(2, { timeout: 15_000 })
    const seen = await watch('room:lobby', server.port)
    watcher = seen
    const delivered = (text: string) =>
      seen.broadcasts('message').filter((p) => (p as { text?: string }).text === text).length

    await setOffline(context, network, true)
    const banner = page.getByTestId('banner')
    await expect(banner).toHaveAttribute('data-state', 'offline')
    const offline = `written offline ${Date.now()}`
    const mine = await say(page, offline)
    await expect(mine).toHaveAttribute('data-state', /sending|queued/)
    await shots.take(page, 'demo-offline')
    await page.waitForTimeout(10_000) // the outage the scenario is about, not a wait for a result
    expect(delivered(offline)).toBe(0)
    await setOffline(context, network, false)

    await expect(mine).toHaveAttribute('data-state', 'sent', { timeout: 30_000 })
    await expect(message(linus, offline)).toHaveCount(1)
    await expect.poll(() => delivered(offline)).toBe(1)
    await expect(banner).toBeHidden()

    // again offline; the message is stored by the shared worker, and its only tab is closed
    await setOffline(context, network, true)
    const durable = `kept while the tab was closed ${Date.now()}`
    await say(page, durable)
    await expect
      .poll(async () => {
        const snap = (await page.evaluate(() => window.__realtime.inspect())) as {
          engine?: { channels?: Array<{ outbox?: { durableWaiting?: number } }> }
        }
        return (snap.engine?.channels ?? []).reduce((n, c) => n + (c.outbox?.durableWaiting ?? 0), 0)
      })
      .toBe(1)
    await page.close()
    await setOffline(context, network, false)
    const again = await context.newPage()
    await again.goto(viaNetwork)
    await expect(message(again, durable)).toHaveAttribute('data-state', 'sent', { timeout: 30_000 })
    await expect(message(linus, durable)).toHaveCount(1)
    await expect.poll(() => delivered(durable)).toBe(1)
    expect(delivered(offline)).toBe(1) // and nothing sent twice
  } finally {
    await other.close()
    await network.close()
  }
})
