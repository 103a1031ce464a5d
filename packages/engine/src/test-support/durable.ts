// A harness for durable-outbox tests: engines on one MemoryStorage (the browser's shared
// store), a TestClock, the scripted socket, tabs that record their events, and helpers to
// play the server (join, answer a push) and read what is stored as another engine would.

import type { Message } from '@shared-realtime/protocol'
import { Engine, type EngineOptions } from '../engine.ts'
import type { EngineEvent } from '../events.ts'
import { DurableStore } from '../durable.ts'
import { silentLogger } from '../logger.ts'
import { MemoryStorage } from '../storage.ts'
import { TestClock } from '../test-clock.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'

export const TOPIC = 'realtime:room'
export const ENDPOINT = 'ws://realtime.test/realtime/v1'

export const msg = (n: number) => ({ type: 'broadcast', event: 'msg', payload: { n } })
export const pushes = (socket: FakeSocket): Message[] => socket.of('broadcast')
export const answer = (socket: FakeSocket, push: Message, status = 'ok'): void =>
  socket.message({
    join_ref: push.join_ref,
    ref: push.ref,
    topic: TOPIC,
    event: 'phx_reply',
    payload: { status, response: {} },
  })

/** A promise's outcome, readable synchronously once it settled. */
export function results<T>(promise: Promise<T>): { value?: T; error?: unknown } {
  const box: { value?: T; error?: unknown } = {}
  promise.then(
    (v) => (box.value = v),
    (e: unknown) => (box.error = e),
  )
  return box
}

export function durableHarness() {
  FakeSocket.reset()
  const clock = new TestClock()
  const storage = new MemoryStorage()
  const store = (owner: string) =>
    new DurableStore({ storage, namespace: ENDPOINT, clock, logger: silentLogger, owner, limit: 1000 })

  const engine = (options: Partial<EngineOptions> = {}): Engine =>
    new Engine({
      endPoint: ENDPOINT,
      params: { apikey: 'anon' },
      transport: FakeSocket,
      clock,
      random: () => 0.5,
      storage,
      ...options,
    })

  /** Lets promise continuations (storage) run, then fires timers due now. */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 50; i++) await Promise.resolve()
    clock.flush()
  }

  /** A tab subscribed to TOPIC with `config` (default: ack). */
  const tab = (e: Engine, id = 'tab', config: Record<string, unknown> = { broadcast: { ack: true } }) => {
    const events: EngineEvent[] = []
    const session = e.attach(id, (batch) => {
      events.push(...batch)
      session.ack(batch.length)
    })
    session.subscribe('s', TOPIC, { config, postgres: [], presence: false })
    return { session, events, broadcasts: () => events.flatMap((ev) => (ev.type === 'broadcast' ? [ev.payload] : [])) }
  }

  /** Opens the last socket and accepts the join of TOPIC. */
  const join = async (): Promise<FakeSocket> => {
    await settle()
    const socket = FakeSocket.last
    if (socket.readyState !== 1) socket.open()
    await settle()
    socket.acceptJoin(TOPIC)
    await settle()
    return socket
  }

  /** The live items stored for TOPIC, read as another engine of the browser would. */
  const stored = () => store('reader').entries(TOPIC)

  return { clock, storage, store, engine, settle, tab, join, stored }
}
