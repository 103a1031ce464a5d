// The registry passes the host's 'online' event to its engines (node: a stand-in global
// addEventListener; the page and worker hosts get the real one).
import { afterEach, expect, test } from 'vitest'
import { FakeSocket } from '../../../engine/src/test-support/fake-socket.ts'
import { EngineRegistry } from './engines.ts'

const scope = globalThis as { addEventListener?: unknown }
afterEach(() => {
  delete scope.addEventListener
  FakeSocket.reset()
})

test("an 'online' event in the host's global scope makes a reconnecting engine try at once", async () => {
  const listeners = new Map<string, () => void>()
  scope.addEventListener = (type: string, listener: () => void) => listeners.set(type, listener)
  FakeSocket.reset()
  const registry = new EngineRegistry(FakeSocket)
  const engine = registry.engineFor({ endPoint: 'ws://realtime.test/realtime/v1', params: { apikey: 'anon' }, vsn: '2.0.0', timeout: 10_000, heartbeatIntervalMs: 25_000, disconnectOnEmptyChannelsAfterMs: 50_000, reconnectDelaysMs: [60_000] })
  engine.attach('tab', () => undefined).subscribe('s', 'realtime:room', { config: {}, postgres: [], presence: false })
  for (let i = 0; i < 20; i++) await Promise.resolve()
  expect(FakeSocket.instances).toHaveLength(1)
  FakeSocket.last.open()
  FakeSocket.last.serverClose(1006)
  expect(engine.connection.name).toBe('reconnecting')
  listeners.get('online')?.()
  expect(FakeSocket.instances).toHaveLength(2)
  registry.release(engine)
})
