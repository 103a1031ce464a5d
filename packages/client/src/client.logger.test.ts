// realtime-js's `logger` option: the client hands it the tab's own lines, the level as `kind`.
// Here the in-page engine (Node, a scripted socket): a frame it cannot decode is logged through
// the app's logger. (Host selection and the worker link's lines: select.browser.test.ts and
// host/tab/supervisor.test.ts.)
import { afterEach, expect, test } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { RealtimeClient } from './index.ts'

afterEach(() => FakeSocket.reset())

test("the in-page engine's lines reach the app's logger, with the level as kind", async () => {
  const lines: Array<[string, string]> = []
  const client = new RealtimeClient('ws://realtime.test/realtime/v1', {
    params: { apikey: 'anon', test: 'client-logger' },
    transport: FakeSocket,
    logger: (kind, message) => lines.push([kind, message]),
  })
  expect(client.host).toBe('page')
  client.connect()
  await client.inspect() // attached
  for (let i = 0; i < 20 && FakeSocket.instances.length === 0; i++) await Promise.resolve()
  FakeSocket.last.open()
  FakeSocket.last.raw('not a frame')
  expect(lines).toContainEqual(['warn', expect.stringMatching(/^dropped an undecodable frame/)])
  await client.disconnect()
})

test("log() and hasLogger(), as realtime-js's: a line goes to the logger option as given", () => {
  const lines: unknown[][] = []
  const options = { params: { apikey: 'anon', test: 'client-log' }, transport: FakeSocket }
  const withLogger = new RealtimeClient('ws://realtime.test/realtime/v1', {
    ...options,
    logger: (...line) => lines.push(line),
  })
  const without = new RealtimeClient('ws://realtime.test/realtime/v1', options)
  withLogger.log('push', 'realtime:room broadcast', { n: 1 })
  without.log('push', 'nowhere') // no logger: nothing, no throw
  expect({ lines, has: withLogger.hasLogger(), hasNot: without.hasLogger() }).toEqual({
    lines: [['push', 'realtime:room broadcast', { n: 1 }]],
    has: true,
    hasNot: false,
  })
})
