// The scaffolding of the engine's integration tests: engines on a real dev server over `ws`, each
// disposed after its test.

import type { RunningServer } from '@shared-realtime/server'
import { afterEach } from 'vitest'
import { WebSocket } from 'ws'
import { Engine, type EngineOptions } from '../engine.ts'

/**
 * `newEngine(server, options)`: an Engine on `server` (its anon key, `ws`), disposed after the test that made it
 * (registers an afterEach in the calling file).
 */
export function liveEngines(): (server: RunningServer, options?: Partial<EngineOptions>) => Engine {
  const engines: Engine[] = []
  afterEach(() => {
    for (const engine of engines.splice(0)) engine.dispose()
  })
  return (server, options = {}) => {
    const engine = new Engine({
      endPoint: server.url,
      params: { apikey: server.keys.anon },
      transport: WebSocket as never,
      ...options,
    })
    engines.push(engine)
    return engine
  }
}
