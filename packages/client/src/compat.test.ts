// supabase-js re-exports all of realtime-js (`export * from '@supabase/realtime-js'`): with this client swapped in
// for realtime-js (issue #15), every name realtime-js exports must be exported here too, values as values.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as realtimeJs from '@supabase/realtime-js'
import { expect, test } from 'vitest'
import * as ours from './index.ts'
import { WebSocketFactory } from './index.ts'

const require = createRequire(import.meta.url)
const realtimeJsDir = dirname(require.resolve('@supabase/realtime-js/package.json'))

/** The names an `export { … }` / `export type { … }` list of `source` exports (`a as b` exports b). */
function exportedNames(source: string): Set<string> {
  const names = new Set<string>()
  for (const [, list] of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
    for (const entry of (list ?? '').split(','))
      if (entry.trim())
        names.add(
          (
            entry
              .trim()
              .split(/\s+as\s+/)
              .at(-1) ?? ''
          )
            .replace(/^type\s+/, '')
            .trim(),
        )
  return names
}

test('every name realtime-js exports (types and values) is exported here', () => {
  const theirs = exportedNames(readFileSync(join(realtimeJsDir, 'dist/module/index.d.ts'), 'utf8'))
  const mine = exportedNames(readFileSync(new URL('./index.ts', import.meta.url), 'utf8'))
  expect(theirs.size).toBeGreaterThan(25)
  expect([...theirs].filter((name) => !mine.has(name))).toEqual([])
})

test('every value realtime-js exports is a value here', () => {
  const missing = Object.keys(realtimeJs).filter((name) => name !== 'default' && !(name in ours))
  expect(missing).toEqual([])
})

test('WebSocketFactory: the runtime WebSocket, or an error that says what to do', () => {
  const global = globalThis as { WebSocket?: unknown }
  const saved = global.WebSocket
  try {
    global.WebSocket = function FakeWebSocket() {}
    expect(WebSocketFactory.isWebSocketSupported()).toBe(true)
    expect(WebSocketFactory.getWebSocketConstructor()).toBe(global.WebSocket)
    delete global.WebSocket
    expect(WebSocketFactory.isWebSocketSupported()).toBe(false)
    expect(() => WebSocketFactory.getWebSocketConstructor()).toThrow(/transport/)
  } finally {
    if (saved === undefined) delete global.WebSocket
    else global.WebSocket = saved
  }
})
