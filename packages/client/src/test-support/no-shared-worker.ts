// Vitest setup file of the `browser-leader` project (vite.config.ts): the test page becomes a browser without
// SharedWorker (Chrome on Android before 148, Android WebView, Samsung Internet), before any test file is loaded, so
// `host: 'auto'` there picks the leader tab and nothing can fall back to a SharedWorker by accident. A client that
// falls back from the leader to another host (it warns, decision 67) fails the test that made it: these suites
// pass on the page host too, so without this a leader that never attaches would go unnoticed.

import { afterEach, beforeEach } from 'vitest'

delete (globalThis as { SharedWorker?: unknown }).SharedWorker

const fallbacks: string[] = []
const warn = console.warn.bind(console)
console.warn = (...args: unknown[]) => {
  const text = args.map(String).join(' ')
  if (/the engine runs on host '[^']+', not 'leader'/.test(text)) fallbacks.push(text)
  warn(...args)
}
beforeEach(() => void (fallbacks.length = 0))
afterEach(() => {
  if (fallbacks.length > 0) throw new Error(`a client fell back from the leader host: ${fallbacks.join(' | ')}`)
})
