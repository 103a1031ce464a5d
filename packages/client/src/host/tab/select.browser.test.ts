// createHostLink: which host 'auto' picks in Chromium, and the fallback down the order
// (SharedWorker → Worker → page) when a worker cannot start.

import { afterEach, describe, expect, test } from 'vitest'
import type { HostLink } from './link.ts'
import { createHostLink, hostCandidates } from './select.ts'
import { broadcastSpec, EventLog, subscribed, testConfig } from '../test-support/realtime.ts'

const links: HostLink[] = []
afterEach(async () => {
  for (const link of links.splice(0)) await link.detach()
})

describe('createHostLink', () => {
  test("'auto' is the SharedWorker here, and explicit kinds start where they say", () => {
    expect(hostCandidates('auto')).toEqual(['shared-worker', 'worker', 'page'])
    expect(hostCandidates('worker')).toEqual(['worker', 'page'])
    expect(hostCandidates('page')).toEqual(['page'])
  })

  test('attaches to a SharedWorker with auto', { timeout: 20_000 }, async () => {
    const link = createHostLink('auto')
    links.push(link)
    await link.attach(testConfig('select'), () => {})
    expect(link.kind).toBe('shared-worker')
    expect((await link.inspect()).host).toBe('shared-worker')
  })

  test('falls back to the page when no worker script loads', { timeout: 20_000 }, async () => {
    const link = createHostLink('auto', { workerUrl: '/no-such-worker.js' })
    links.push(link)
    const log = new EventLog()
    await link.attach(testConfig('fallback'), log.push)
    expect(link.kind).toBe('page')
    await link.subscribe('s', 'realtime:select-fallback', broadcastSpec)
    await log.waitFor(subscribed('s'), 'SUBSCRIBED in the page')
  })
})
