// The test setup itself: the dev server is reachable from Chromium, and its admin API
// through the realtimeAdmin command.
import { expect, inject, test } from 'vitest'
import { commands } from 'vitest/browser'

test('the dev server accepts a WebSocket from the page, and stats count it', async () => {
  const { url, anon } = inject('realtime')
  const ws = new WebSocket(`${url}/websocket?apikey=${anon}&vsn=2.0.0`)
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve)
    ws.addEventListener('error', reject)
  })
  const stats = await commands.realtimeAdmin('/admin/stats')
  expect(stats.status).toBe(200)
  expect((stats.body as { sockets: number }).sockets).toBeGreaterThanOrEqual(1)
  ws.close()
})
