// The in-page host passes the tab's "network is back" to its engine (RealtimeClient calls
// networkOnline() on the page's `online` event, whatever the host).
import { afterEach, expect, test } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { PageLink } from './page.ts'

afterEach(() => FakeSocket.reset())

test('networkOnline() makes a reconnecting engine try at once instead of after its backoff', async () => {
  FakeSocket.reset()
  const link = new PageLink(FakeSocket)
  await link.attach(
    {
      endPoint: 'ws://realtime.test/realtime/v1',
      params: { apikey: 'anon', test: 'page-online' },
      vsn: '2.0.0',
      timeout: 10_000,
      heartbeatIntervalMs: 25_000,
      disconnectOnEmptyChannelsAfterMs: 50_000,
      reconnectDelaysMs: [60_000],
    },
    () => undefined,
  )
  await link.subscribe('s', 'realtime:room', { config: {}, postgres: [], presence: false })
  for (let i = 0; i < 20; i++) await Promise.resolve()
  expect(FakeSocket.instances).toHaveLength(1)
  FakeSocket.last.open()
  FakeSocket.last.serverClose(1006)
  await link.networkOnline()
  expect(FakeSocket.instances).toHaveLength(2)
  await link.detach()
})
