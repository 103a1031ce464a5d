// The scaffolding of the engine's unit tests: an Engine on a TestClock and the scripted socket
// (FakeSocket), tabs whose events are recorded and acknowledged at once, and a settle that lets
// the microtasks (token requests, storage) run before the clock's due timers fire.

import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { Engine, type EngineOptions } from '../engine.ts'
import type { EngineEvent } from '../events.ts'
import type { Session } from '../session.ts'
import type { TestClock } from '../test-clock.ts'
import { PROBE_TOPIC_PREFIX } from '../token-check.ts'

/** An engine on `clock` and FakeSocket, `random` pinned to 0.5; `options` override the rest. */
export function scriptedEngine(clock: TestClock, options: Partial<EngineOptions> = {}): Engine {
  return new Engine({
    endPoint: 'ws://realtime.test/realtime/v1',
    params: { apikey: 'anon' },
    transport: FakeSocket,
    clock,
    random: () => 0.5,
    ...options,
  })
}

/** A tab attached to `engine` whose events are recorded in order and acknowledged at once. */
export function recordedTab(engine: Engine, id = 'tab'): { session: Session; events: EngineEvent[] } {
  const events: EngineEvent[] = []
  const session = engine.attach(id, (batch) => {
    events.push(...batch)
    session.ack(batch.length)
  })
  return { session, events }
}

/** The statuses among `events`, in order. */
export const statusesOf = (events: EngineEvent[]): string[] =>
  events.flatMap((ev) => (ev.type === 'status' ? [ev.status] : []))

/** Runs the pending microtasks (a token request, a storage write), then the clock's due timers. */
export async function settle(clock: TestClock): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve()
  clock.flush()
}

/** Replies to the last token probe (token-check.ts) `socket` was sent: ok, or refused with `reason`. */
export function answerProbe(socket: FakeSocket, reason?: string): void {
  const join = socket.sent.findLast((m) => m.topic.startsWith(PROBE_TOPIC_PREFIX) && m.event === 'phx_join')
  if (!join) throw new Error('no token probe was sent')
  const payload = reason === undefined ? { status: 'ok', response: {} } : { status: 'error', response: { reason } }
  socket.message({ join_ref: join.join_ref, ref: join.ref, topic: join.topic, event: 'phx_reply', payload })
}
