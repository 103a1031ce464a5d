// An engine config for tests that never reach a server (fake sockets, stub workers, validation): one place for its
// fields, each test overriding what it is about.

import type { EngineConfig } from '../protocol.ts'

/** A valid config pointing nowhere real, with `overrides` applied. */
export function offlineConfig(overrides: Partial<EngineConfig> = {}): EngineConfig {
  return {
    endPoint: 'ws://realtime.test/realtime/v1',
    params: { apikey: 'anon' },
    vsn: '2.0.0',
    timeout: 10_000,
    heartbeatIntervalMs: 25_000,
    disconnectOnEmptyChannelsAfterMs: 0,
    ...overrides,
  }
}
