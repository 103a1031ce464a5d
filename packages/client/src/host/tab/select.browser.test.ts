// Host selection: which hosts 'auto' tries in Chromium, and attachHost's fallback down the
// order (SharedWorker → Worker → page) when a worker cannot start: it hands back the link
// that attached, and never silently (issue #14): one warning naming the reason and the cost,
// `inspect().fallback`, and `client.host` naming the host in use ('pending' before).

import { TestLogSink } from '@shared-realtime/engine'
import { afterEach, describe, expect, inject, test, vi } from 'vitest'
import { RealtimeClient } from '../../RealtimeClient.ts'
import type { HostLink } from './link.ts'
import { attachHost, hostCandidates } from './select.ts'
import { broadcastSpec, EventLog, subscribed, testConfig } from '../test-support/realtime.ts'

const links: HostLink[] = []
const clients: RealtimeClient[] = []
afterEach(async () => {
  for (const link of links.splice(0)) await link.detach()
  for (const c of clients.splice(0)) await c.removeAllChannels()
  vi.restoreAllMocks()
  vi.unstubAllGlobals()
})

let clientCount = 0
function client(options: ConstructorParameters<typeof RealtimeClient>[1] = {}): RealtimeClient {
  const { url, anon } = inject('realtime')
  const c = new RealtimeClient(url, { params: { apikey: anon, test: `select-client-${clientCount++}` }, ...options })
  clients.push(c)
  return c
}

/** The console's warnings from now on. */
function consoleWarnings(): string[] {
  const lines: string[] = []
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')))
  return lines
}

describe('attachHost', () => {
  test("'auto' is the SharedWorker here, and explicit kinds start where they say", () => {
    expect(hostCandidates('auto')).toEqual(['shared-worker', 'leader', 'worker', 'page'])
    expect(hostCandidates('leader')).toEqual(['leader', 'worker', 'page'])
    expect(hostCandidates('worker')).toEqual(['worker', 'page'])
    expect(hostCandidates('page')).toEqual(['page'])
  })

  test('attaches to a SharedWorker with auto', { timeout: 20_000 }, async () => {
    const tried: string[] = []
    const trying = (kind: string) => void tried.push(kind)
    const link = await attachHost(hostCandidates('auto'), {}, testConfig('select'), () => {}, trying)
    links.push(link)
    expect([link.kind, tried]).toEqual(['shared-worker', ['shared-worker']])
    expect((await link.inspect()).host).toBe('shared-worker')
  })

  test('falls back to the page when no worker script loads', { timeout: 20_000 }, async () => {
    const log = new EventLog()
    const tried: string[] = []
    const logger = new TestLogSink()
    const options = { workerUrl: '/no-such-worker.js', logger }
    const trying = (kind: string) => void tried.push(kind)
    const link = await attachHost(hostCandidates('auto'), options, testConfig('fallback'), log.push, trying)
    links.push(link)
    expect([link.kind, tried]).toEqual(['page', ['shared-worker', 'leader', 'worker', 'page']])
    // the app's logger option hears each step down
    // (the leader host's own lines: this tab led, its worker did not start)
    const lines = logger.lines.filter(({ message }) => !message.startsWith('shared-realtime: this tab'))
    expect(lines.map(({ level, message }) => `${level}: ${message.replace(/ \(.*\)/, '')}`)).toEqual([
      'warn: host shared-worker could not attach; trying leader',
      'warn: host leader could not attach; trying worker',
      'warn: host worker could not attach; trying page',
      expect.stringMatching(/^warn: shared-realtime: the engine runs on host 'page', not 'shared-worker'/),
    ])
    await link.subscribe('s', 'realtime:select-fallback', broadcastSpec)
    await log.waitFor(subscribed('s'), 'SUBSCRIBED in the page')
  })
})

describe('no silent fallback (issue #14)', () => {
  test("client.host is 'pending' until attached, then the SharedWorker; no warning", { timeout: 20_000 }, async () => {
    const warnings = consoleWarnings()
    const c = client()
    expect(c.host).toBe('pending')
    const snapshot = await c.inspect()
    expect([c.host, snapshot.host, snapshot.fallback]).toEqual(['shared-worker', 'shared-worker', undefined])
    expect(warnings).toEqual([])
  })

  test(
    'a fallback warns once on the console with the reason and the cost, and inspect() carries it',
    { timeout: 20_000 },
    async () => {
      const warnings = consoleWarnings()
      const c = client({ workerUrl: '/no-such-worker.js' })
      expect(c.host).toBe('pending')
      const snapshot = await c.inspect()
      expect([c.host, snapshot.host]).toEqual(['page', 'page'])
      expect(warnings).toHaveLength(1)
      const [warning] = warnings
      expect(warning).toMatch(/^shared-realtime: the engine runs on host 'page', not 'shared-worker': /)
      expect(warning).toMatch(/the SharedWorker could not attach: the SharedWorker failed to start/)
      expect(warning).toMatch(/the leader tab \(.*\) could not attach: the leader tab's Worker failed to start/)
      expect(warning).toMatch(/the Worker could not attach: the Worker failed to start/)
      expect(warning).toMatch(/3 tabs will hold 3 sockets/)
      expect(snapshot.fallback).toEqual({
        wanted: 'shared-worker',
        kind: 'page',
        reason: expect.stringMatching(/^the SharedWorker could not attach: .*; the Worker could not attach: /),
        cost: expect.stringMatching(
          /^every tab opens its own socket \(3 tabs will hold 3 sockets\), and the engine runs on the page's main thread/,
        ),
        message: warning,
      })
      // and the client works on the host it fell back to
      const status = await new Promise<string>((resolve) => c.channel('select-fallback-client').subscribe(resolve))
      expect(status).toBe('SUBSCRIBED')
    },
  )

  test(
    'an explicit host that runs as asked does not warn, a Worker asked for that fails does',
    { timeout: 20_000 },
    async () => {
      const warnings = consoleWarnings()
      const worker = client({ host: 'worker' })
      await worker.inspect()
      expect([worker.host, warnings]).toEqual(['worker', []])
      const failing = client({ host: 'worker', workerUrl: '/no-such-worker.js' })
      expect((await failing.inspect()).fallback).toMatchObject({ wanted: 'worker', kind: 'page' })
      expect(warnings).toEqual([
        expect.stringMatching(
          /^shared-realtime: the engine runs on host 'page', not 'worker': the Worker could not attach: .*Cost: the engine runs on the page's main thread/,
        ),
      ])
    },
  )

  test(
    'a browser without SharedWorker (Android Chrome): the leader host, with a warning that says so',
    { timeout: 20_000 },
    async () => {
      vi.stubGlobal('SharedWorker', undefined)
      const warnings = consoleWarnings()
      const c = client()
      expect(c.host).toBe('pending')
      const snapshot = await c.inspect()
      vi.unstubAllGlobals()
      expect([c.host, snapshot.host, snapshot.leader?.self]).toEqual(['leader', 'leader', true])
      expect(warnings).toEqual([
        "shared-realtime: the engine runs on host 'leader', not 'shared-worker': this browser has no SharedWorker. " +
          "Cost: still one socket per browser, but the other tabs' commands and events hop through the leader tab, " +
          'and pause while another tab takes over when it closes.',
      ])
      expect(snapshot.fallback).toMatchObject({
        wanted: 'shared-worker',
        kind: 'leader',
        reason: 'this browser has no SharedWorker',
      })
    },
  )

  test(
    "a worker under Vite's pre-bundled deps that does not load: the warning names the cause and the fix",
    { timeout: 20_000 },
    async () => {
      // what Vite 5–7's dev server makes of the worker's URL once the package is pre-bundled (the request 404s)
      const workerUrl = '/node_modules/.vite/deps/shared-worker-entry.js?worker_file&type=module'
      const warnings = consoleWarnings()
      const c = client({ workerUrl })
      const { fallback } = await c.inspect()
      expect(c.host).toBe('page')
      expect(warnings).toHaveLength(1)
      for (const text of [warnings[0], fallback?.reason]) {
        expect(text).toContain("Vite's pre-bundled dependencies (node_modules/.vite/deps/)")
        expect(text).toContain("optimizeDeps: { exclude: ['@shared-realtime/client'] }")
        expect(text).toContain("['@supabase/realtime-js']")
      }
    },
  )
})
