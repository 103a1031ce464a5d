// postgres_changes_options (realtime-js 2.113): the join carries { wait, timeout } and, when it asks the server to
// wait for its postgres_changes subscription, the join's timeout is max(timeout, wait timeout + 10 s).

import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { beforeEach, expect, test } from 'vitest'
import { TestClock } from './test-clock.ts'
import { recordedTab, scriptedEngine, settle, statusesOf } from './test-support/scripted.ts'
import type { SubscriptionSpec } from './join-union.ts'

const binding = { event: '*', schema: 'public', table: 'todos' } as const
const spec = (options?: { wait?: boolean; timeout?: number }, postgres = [binding]): SubscriptionSpec => ({
  config: options ? { postgres_changes_options: options } : {},
  postgres: [...postgres],
  presence: false,
})

let clock: TestClock
beforeEach(() => {
  FakeSocket.reset()
  clock = new TestClock()
})

/** Subscribes `specs` (one tab each) on one topic, opens the socket; how long the join waits before TIMED_OUT. */
async function joinTimeout(...specs: SubscriptionSpec[]) {
  // no heartbeat within the test's minute: its unanswered timeout would close the socket and restart the join
  const engine = scriptedEngine(clock, { timeout: 10_000, heartbeatIntervalMs: 120_000 })
  const tabs = specs.map((s, i) => {
    const tab = recordedTab(engine, `tab-${i}`)
    tab.session.subscribe('s', 'realtime:todos', s)
    return tab
  })
  await settle(clock)
  FakeSocket.last.open()
  await settle(clock)
  const [join] = FakeSocket.last.of('phx_join')
  if (!join) throw new Error('no join was sent')
  let waited = 0
  while (!statusesOf(tabs[0]!.events).includes('TIMED_OUT') && waited < 60_000) {
    clock.advance(1000)
    waited += 1000
  }
  return { options: (join.payload as { config: Record<string, unknown> }).config.postgres_changes_options, waited }
}

test('without options: no postgres_changes_options in the join, the client timeout', async () => {
  expect(await joinTimeout(spec())).toEqual({ options: undefined, waited: 10_000 })
})

test('wait with its timeout: carried in the join; the join waits that timeout + 10 s', async () => {
  expect(await joinTimeout(spec({ wait: true, timeout: 30_000 }))).toEqual({
    options: { wait: true, timeout: 30_000 },
    waited: 40_000,
  })
})

test('wait without a timeout: 15 s + 10 s; wait without postgres bindings: the client timeout', async () => {
  expect((await joinTimeout(spec({ wait: true }))).waited).toBe(25_000)
  FakeSocket.reset()
  expect(await joinTimeout(spec({ wait: true }, []))).toEqual({ options: { wait: true }, waited: 10_000 })
})

test('tabs on one topic: wait if any asks, with the longest timeout given', async () => {
  expect(
    await joinTimeout(spec({ wait: false, timeout: 5000 }), spec({ wait: true, timeout: 20_000 }), spec()),
  ).toEqual({ options: { wait: true, timeout: 20_000 }, waited: 30_000 })
})
