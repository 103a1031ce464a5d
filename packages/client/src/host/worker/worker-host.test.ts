// The worker host's delivery to a tab on a TestClock, over the scripted socket (Node, MessageChannel ports): a
// visible tab gets an event at once (the queue was idle: no turn of the clock), a hidden tab's events wait for its
// hold and go in one batch, in order, and all of them at once when it is visible again (decision 81); a malformed
// visibility message is logged and changes nothing.

import { type EngineEvent, TestClock, TestLogSink } from '@shared-realtime/engine'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { type EventsMessage, type Reply, TAB_PROTOCOL_VERSION } from '../protocol.ts'
import { HIDDEN_BATCH_MAX, WorkerHost } from './worker-host.ts'
import { offlineConfig } from '../test-support/config.ts'

const config = offlineConfig()
const spec = { config: { broadcast: { self: false } }, postgres: [], presence: false }
const TOPIC = 'realtime:room'

function value<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`error reply: ${reply.error.kind}: ${reply.error.message}`)
  return reply.value
}

/** Lets the ports deliver, one event-loop turn at a time, until `done()`. */
async function until(done: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let turn = 0; turn < 500; turn++) {
    if (await done()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`never happened: ${what}`)
}

/** Runs the pending microtasks (the token, the join), then the clock's due timers. */
async function settle(clock: TestClock): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve()
  clock.flush()
}

const ports: MessagePort[] = []
beforeEach(() => FakeSocket.reset())
afterEach(() => {
  for (const port of ports.splice(0)) port.close()
})

/** A tab subscribed to TOPIC on a worker host whose engines run on a TestClock; what the worker posts is recorded. */
async function subscribedTab() {
  const clock = new TestClock()
  const log = new TestLogSink()
  const host = new WorkerHost({ kind: 'shared-worker', transport: FakeSocket, clock, engineClock: clock, logger: log })
  const api = host.api()
  const { port1: tabPort, port2: workerPort } = new MessageChannel()
  ports.push(tabPort, workerPort)
  const posted: EventsMessage[] = []
  const post = workerPort.postMessage.bind(workerPort)
  workerPort.postMessage = (message: EventsMessage) => (posted.push(message), post(message))
  value(await api.attach(config, workerPort, '', TAB_PROTOCOL_VERSION))
  value(await api.subscribe('s', TOPIC, spec))
  await settle(clock)
  FakeSocket.last.open()
  await settle(clock)
  FakeSocket.last.acceptJoin(TOPIC)
  await settle(clock)
  const socket = FakeSocket.last
  /** A broadcast from the server, `n` in its payload. */
  const broadcast = (n: number) =>
    socket.message({
      join_ref: null,
      ref: null,
      topic: TOPIC,
      event: 'broadcast',
      payload: { type: 'broadcast', event: 'e', payload: { n } },
    })
  /** The tab says it is hidden (holdMs) or visible (0), and the worker has read it. */
  const holdOf = async () => value(await api.inspect()).tab?.holdMs
  const visibility = async (holdMs: number) => {
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
    tabPort.postMessage(holdMs > 0 ? { hidden: true, holdMs } : { hidden: false })
    await until(async () => (await holdOf()) === holdMs, `holdMs ${holdMs} read`)
  }
  const numbers = (messages: EventsMessage[]) =>
    messages.map((m) =>
      m.events.flatMap((e: EngineEvent) => (e.type === 'broadcast' ? [(e.payload.payload as { n: number }).n] : [])),
    )
  return { clock, posted, broadcast, visibility, holdOf, numbers, tabPort, log }
}

describe('warm: a tab about to subscribe (cold start)', () => {
  test('the socket opens as the attach answers, before any subscribe; with no channel it closes as an idle one does', async () => {
    const clock = new TestClock()
    const host = new WorkerHost({ kind: 'shared-worker', transport: FakeSocket, clock, engineClock: clock })
    const warmed = new MessageChannel()
    ports.push(warmed.port1, warmed.port2)
    value(await host.api().attach(config, warmed.port2, '', TAB_PROTOCOL_VERSION, true))
    // no task later: the attach itself opened it
    expect(FakeSocket.instances).toHaveLength(1)
    FakeSocket.last.open()
    await settle(clock)
    // no channel came: disconnectOnEmptyChannelsAfterMs (0 here) closes it
    expect(FakeSocket.last.closedWith).toEqual({ code: 1000, reason: 'idle' })
  })

  test('a tab of protocol 6 built before attach took `warm` says so on its events port, and the socket opens', async () => {
    const clock = new TestClock()
    const host = new WorkerHost({ kind: 'shared-worker', transport: FakeSocket, clock, engineClock: clock })
    const warmed = new MessageChannel()
    ports.push(warmed.port1, warmed.port2)
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
    warmed.port1.postMessage({ warm: true })
    value(await host.api().attach(config, warmed.port2, '', TAB_PROTOCOL_VERSION))
    await until(() => FakeSocket.instances.length > 0, 'the socket opened')
    expect(FakeSocket.instances).toHaveLength(1)
  })

  test('warm that is not a boolean is refused', async () => {
    const host = new WorkerHost({ kind: 'shared-worker', transport: FakeSocket })
    const port = new MessageChannel()
    ports.push(port.port1, port.port2)
    const reply = await host.api().attach(config, port.port2, '', TAB_PROTOCOL_VERSION, 'yes' as unknown as boolean)
    expect(reply).toMatchObject({ ok: false, error: { kind: 'bad-request' } })
    expect(FakeSocket.instances).toHaveLength(0)
  })

  test('a tab that does not say so opens no socket by attaching', async () => {
    const clock = new TestClock()
    const host = new WorkerHost({ kind: 'shared-worker', transport: FakeSocket, clock, engineClock: clock })
    const api = host.api()
    const cold = new MessageChannel()
    ports.push(cold.port1, cold.port2)
    value(await api.attach(config, cold.port2, '', TAB_PROTOCOL_VERSION))
    await settle(clock)
    value(await api.inspect()) // a round trip after the attach: its port messages, if any, were read
    expect(FakeSocket.instances).toHaveLength(0)
  })
})

describe('a visible tab', () => {
  test('an event that finds its queue idle is posted at the end of its task, without a turn of the clock', async () => {
    const { clock, posted, broadcast, numbers } = await subscribedTab()
    const before = posted.length
    clock.advance(1) // a millisecond after the last batch (SUBSCRIBED): idle
    broadcast(1)
    await Promise.resolve()
    expect(numbers(posted.slice(before))).toEqual([[1]])
    expect(clock.pending()).not.toContain(0) // and no turn armed for it
  })
})

describe('a hidden tab (decision 81)', () => {
  test('its events wait for the hold and go in one message, in order; nothing is lost', async () => {
    const { clock, posted, broadcast, visibility, numbers } = await subscribedTab()
    await visibility(1000)
    const before = posted.length
    for (let n = 1; n <= 5; n++) broadcast(n)
    clock.advance(999)
    expect(posted.length).toBe(before)
    clock.advance(1)
    expect(numbers(posted.slice(before))).toEqual([[1, 2, 3, 4, 5]])
  })

  test(`${HIDDEN_BATCH_MAX} events queued go without waiting for the hold`, async () => {
    const { clock, posted, broadcast, visibility } = await subscribedTab()
    await visibility(60_000)
    const before = posted.length
    for (let n = 0; n < HIDDEN_BATCH_MAX; n++) broadcast(n)
    clock.flush()
    expect(posted.slice(before).map((m) => m.events.length)).toEqual([HIDDEN_BATCH_MAX])
  })

  test('visible again: what waits is posted at once; a millisecond later events go at once again', async () => {
    const { clock, posted, broadcast, visibility, numbers } = await subscribedTab()
    await visibility(1000)
    const before = posted.length
    broadcast(1)
    broadcast(2)
    await visibility(0)
    expect(numbers(posted.slice(before))).toEqual([[1, 2]])
    clock.advance(1)
    broadcast(3)
    await Promise.resolve()
    expect(numbers(posted.slice(before))).toEqual([[1, 2], [3]])
  })

  test('a malformed visibility message is logged and changes nothing', async () => {
    const { clock, posted, broadcast, tabPort, holdOf, log, numbers } = await subscribedTab()
    for (const junk of [{ hidden: true }, { hidden: true, holdMs: 0 }, { hidden: true, holdMs: 60_001 }, { hidden: 1 }])
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
      tabPort.postMessage(junk)
    await until(() => log.lines.filter((l) => l.message.includes('malformed visibility')).length === 4, 'warned')
    expect(await holdOf()).toBe(0)
    const before = posted.length
    clock.advance(1)
    broadcast(1)
    await Promise.resolve()
    expect(numbers(posted.slice(before))).toEqual([[1]])
  })
})
