// A client starts its SharedWorker in its constructor, in parallel with the page's own work (issue #17, cold
// start; decision 81): the SharedWorker is constructed before the constructor returns, and the attach a task later
// uses that one (no second connection); a client that subscribes at once also has the worker open the socket as it
// attaches (`{ warm: true }`), and reaches SUBSCRIBED.

import { afterEach, expect, inject, test } from 'vitest'
import { RealtimeClient } from './index.ts'

const Original = globalThis.SharedWorker
let constructed = 0
afterEach(() => {
  globalThis.SharedWorker = Original
  constructed = 0
})

function countSharedWorkers(): void {
  globalThis.SharedWorker = class extends Original {
    constructor(...args: ConstructorParameters<typeof SharedWorker>) {
      super(...args)
      constructed++
    }
  }
}

test('the SharedWorker is constructed by the constructor, and the attach uses it', async () => {
  const { url, anon } = inject('realtime')
  countSharedWorkers()
  const client = new RealtimeClient(url, { params: { apikey: anon, test: `early-${Date.now().toString(36)}` } })
  expect(constructed).toBe(1)
  const status = await new Promise<string>((resolve) =>
    client.channel(`early-${Date.now().toString(36)}`).subscribe((s) => resolve(s)),
  )
  expect(status).toBe('SUBSCRIBED')
  expect([constructed, client.host, (await client.inspect()).host]).toEqual([1, 'shared-worker', 'shared-worker'])
  await client.removeAllChannels()
})
