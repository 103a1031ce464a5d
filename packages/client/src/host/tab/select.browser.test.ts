// Host selection: which hosts 'auto' tries in Chromium, and attachHost's fallback down the
// order (SharedWorker → Worker → page) when a worker cannot start: it hands back the link
// that attached.

import { TestLogSink } from '@shared-realtime/engine'
import { afterEach, describe, expect, test } from 'vitest'
import type { HostLink } from './link.ts'
import { attachHost, hostCandidates } from './select.ts'
import { broadcastSpec, EventLog, subscribed, testConfig } from '../test-support/realtime.ts'

const links: HostLink[] = []
afterEach(async () => {
  for (const link of links.splice(0)) await link.detach()
})

describe('attachHost', () => {
  test("'auto' is the SharedWorker here, and explicit kinds start where they say", () => {
    expect(hostCandidates('auto')).toEqual(['shared-worker', 'worker', 'page'])
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
    expect([link.kind, tried]).toEqual(['page', ['shared-worker', 'worker', 'page']])
    // the app's logger option hears each step down
    expect(logger.lines.map(({ level, message }) => `${level}: ${message.replace(/ \(.*\)/, '')}`)).toEqual([
      'warn: host shared-worker could not attach; trying worker',
      'warn: host worker could not attach; trying page',
    ])
    await link.subscribe('s', 'realtime:select-fallback', broadcastSpec)
    await log.waitFor(subscribed('s'), 'SUBSCRIBED in the page')
  })
})
