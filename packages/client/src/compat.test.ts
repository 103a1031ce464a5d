// supabase-js re-exports all of realtime-js (`export * from '@supabase/realtime-js'`): with this client swapped in
// for realtime-js (issue #15), every name realtime-js exports must be exported here too, values as values.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as realtimeJs from '@supabase/realtime-js'
import { expect, test } from 'vitest'
import { WebSocket } from 'ws'
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

test('a duplicate postgres_changes binding is ignored and logged, as realtime-js 2.112 does (side by side)', () => {
  const filter = { event: 'INSERT', schema: 'public', table: 'todos', filter: 'list_id=eq.1' }
  const run = (make: (logger: (kind: string, message: string) => void) => { channel(topic: string): unknown }) => {
    const lines: string[] = []
    const client = make((kind, message) => lines.push(`${kind}: ${message}`))
    const channel = client.channel('dup') as {
      on(type: string, filter: object, callback: () => void): unknown
      bindings: Record<string, unknown[]>
    }
    channel.on('postgres_changes', filter, () => {})
    channel.on('postgres_changes', { ...filter }, () => {}) // the same: ignored
    channel.on('postgres_changes', { ...filter, event: 'UPDATE' }, () => {}) // another event: kept
    return { bindings: channel.bindings.postgres_changes?.length, lines: lines.filter((l) => l.includes('duplicate')) }
  }
  // no socket is opened: a channel's bindings are built before any subscribe
  const options = (logger: (kind: string, message: string) => void) => ({
    params: { apikey: 'anon' },
    logger,
    transport: WebSocket as never,
  })
  const theirs = run((logger) => new realtimeJs.RealtimeClient('ws://127.0.0.1:9/realtime/v1', options(logger)))
  const mine = run((logger) => new ours.RealtimeClient('ws://127.0.0.1:9/realtime/v1', options(logger)))
  expect(mine).toEqual(theirs)
  expect(mine).toEqual({ bindings: 2, lines: ['error: duplicate `postgres_changes` binding for realtime:dup ignored'] })
})
