// The engine registry (docs/decisions.md 61): engines by the whole config, identity included, and an engine no
// session uses released after the registry's grace period (on a TestClock, over the scripted socket).

import { TestClock } from '@shared-realtime/engine'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { beforeEach, expect, test } from 'vitest'
import { configKey, EngineRegistry } from './engines.ts'
import type { EngineConfig } from './protocol.ts'
import { offlineConfig } from './test-support/config.ts'

const base = offlineConfig({ params: { apikey: 'anon', log_level: 'info' }, disconnectOnEmptyChannelsAfterMs: 50_000 })

beforeEach(() => FakeSocket.reset())

test('configKey: every field counts, params in any order; no identity is anon', () => {
  const reordered = { ...base, params: { log_level: 'info', apikey: 'anon' } }
  expect(configKey(reordered)).toBe(configKey(base))
  expect(configKey({ ...base, identity: 'anon' })).toBe(configKey(base))
  const others: EngineConfig[] = [
    { ...base, identity: 'authenticated:u1' },
    { ...base, identity: 'authenticated:u2' },
    { ...base, timeout: 5000 },
    { ...base, heartbeatIntervalMs: 15_000 },
    { ...base, disconnectOnEmptyChannelsAfterMs: 1000 },
    { ...base, reconnectDelaysMs: [1000, 2000] },
    { ...base, vsn: '1.0.0' },
    { ...base, params: { apikey: 'anon' } },
    { ...base, endPoint: 'ws://other.test/realtime/v1' },
  ]
  const keys = new Set([base, ...others].map(configKey))
  expect(keys.size).toBe(others.length + 1)
})

test('one engine per identity, each taking only its own tokens', () => {
  const registry = new EngineRegistry(FakeSocket)
  const a = registry.engineFor({ ...base, identity: 'authenticated:u1' })
  const b = registry.engineFor({ ...base, identity: 'authenticated:u2' })
  expect(a).not.toBe(b)
  expect(registry.engineFor({ ...base, identity: 'authenticated:u1' })).toBe(a)
  expect([a.inspect().identity, b.inspect().identity, registry.engineFor(base).inspect().identity]).toEqual([
    'authenticated:u1',
    'authenticated:u2',
    'anon',
  ])
})

test('an engine no session uses is disposed after the grace period, unless a session comes back', () => {
  const clock = new TestClock()
  const registry = new EngineRegistry(FakeSocket, undefined, undefined, { clock, releaseAfterMs: () => 1000 })
  const engine = registry.engineFor(base)
  const session = engine.attach('tab-1', () => {})
  session.connect()
  session.detach()
  registry.release(engine)
  clock.advance(999)
  // a reload: the tab is back within the grace period and finds its engine (and socket)
  expect(registry.engineFor(base)).toBe(engine)
  const back = engine.attach('tab-2', () => {})
  clock.advance(5000)
  expect(registry.engines).toEqual([engine])
  back.detach()
  registry.release(engine)
  clock.advance(1000)
  expect(registry.engines).toEqual([])
  expect(engine.connection.name).toBe('disconnected')
  expect(registry.engineFor(base)).not.toBe(engine)
})

test('release keeps an engine that still has a session; with no grace it goes at once', () => {
  const registry = new EngineRegistry(FakeSocket)
  const engine = registry.engineFor(base)
  const session = engine.attach('tab-1', () => {})
  registry.release(engine)
  expect(registry.engines).toEqual([engine])
  session.detach()
  registry.release(engine)
  expect(registry.engines).toEqual([])
})
