// Issue #8, "10,000 malformed frames into the engine": random bytes, truncated binary headers,
// wrong JSON shapes, unknown events and topics, well-formed frames with garbage payloads and
// huge payloads, interleaved with valid broadcasts (fast-check; TestClock and the scripted
// socket, so it is fast and exact). Nothing may throw out of the socket's onmessage, the
// counters must match (every frame counted in, every undecodable one counted as a decode
// error), nothing may be logged as an error (a throw the engine caught), and every valid broadcast must reach the tab, in order, with no reconnect or rejoin.
// (The dev server's own `malformed` fault is in connection.faults.test.ts.)

import { createSerializer } from '@shared-realtime/protocol'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { Engine } from '../engine.ts'
import type { EngineEvent } from '../events.ts'
import { TestLogSink } from '../logger.ts'
import { TestClock } from '../test-clock.ts'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { FULL, recordFault, runs } from '@shared-realtime/test-support/record'

const TOPIC = 'realtime:fuzz'
const server = createSerializer('2.0.0', { role: 'server' })
const oracle = createSerializer('2.0.0') // the client's decoder, as a second opinion on what decodes

const buffer = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer
const notRef = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }).map((s) => `z${s}`),
) // never a ref the engine made
const topic = fc.oneof(
  fc.constant(TOPIC),
  fc.constant('phoenix'),
  fc.string({ maxLength: 20 }),
  fc.string({ maxLength: 12 }).map((s) => `realtime:${s}`),
)
const knownEvent = fc.constantFrom(
  'broadcast',
  'presence_state',
  'presence_diff',
  'postgres_changes',
  'system',
  'phx_reply',
  'phx_close',
  'phx_error',
  'phx_join',
  'heartbeat',
  'access_token',
)
const anyEvent = fc.oneof(knownEvent, fc.string({ maxLength: 16 }))

/** One hostile frame, tagged with its kind (for the figures). */
const hostile = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => ['random bytes', buffer(b)] as const) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(0, 1, 2, 3, 4),
        fc.uint8Array({ minLength: 4, maxLength: 7 }),
        fc.uint8Array({ maxLength: 40 }),
        fc.nat(),
      )
      .map(([kind, header, rest, cut]) => {
        const full = new Uint8Array([kind, ...header, ...rest])
        return ['truncated binary header', buffer(full.subarray(0, 1 + (cut % full.length)))] as const
      }),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), fc.nat()).map(([event, cut]) => {
      const frame = new Uint8Array(
        server.encode(
          {
            join_ref: null,
            ref: null,
            topic: TOPIC,
            event: 'broadcast',
            payload: { type: 'broadcast', event, payload: { a: 1 } },
          },
          { binary: true },
        ) as ArrayBuffer,
      )
      return ['truncated kind-4 frame', buffer(frame.subarray(0, cut % frame.length))] as const
    }),
  },
  { weight: 3, arbitrary: fc.string({ maxLength: 80 }).map((s) => ['random text', s] as const) },
  {
    weight: 3,
    arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => ['wrong JSON shape', JSON.stringify(v) ?? 'null'] as const),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.jsonValue({ maxDepth: 1 }),
        fc.jsonValue({ maxDepth: 1 }),
        fc.jsonValue({ maxDepth: 1 }),
        fc.jsonValue({ maxDepth: 1 }),
        fc.jsonValue({ maxDepth: 2 }),
      )
      .map((t) => ['5-array of wrong types', JSON.stringify(t)] as const),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(notRef, notRef, topic, anyEvent, fc.jsonValue({ maxDepth: 3 }))
      .map(
        ([joinRef, ref, t, event, payload]) =>
          ['well-formed, unknown or garbage content', JSON.stringify([joinRef, ref, t, event, payload])] as const,
      ),
  },
  {
    weight: 1,
    // built when injected (see frameOf), so that a counterexample prints small
    arbitrary: fc
      .tuple(
        fc.integer({ min: 1, max: 2 }),
        fc.constantFrom(TOPIC, 'realtime:elsewhere'),
        fc.constantFrom('broadcast', 'no-such-event'),
      )
      .map(([mb, t, event]) => ['huge payload', { huge: mb, topic: t, event }] as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(null, undefined, 42, {}, [], new Uint8Array([4, 1, 1]), true)
      .map((v) => ['not a frame at all', v] as const),
  },
)

function frameOf(kind: string, frame: unknown): unknown {
  if (kind !== 'huge payload') return frame
  const { huge, topic: t, event } = frame as { huge: number; topic: string; event: string }
  return JSON.stringify([
    null,
    null,
    t,
    event,
    { type: 'broadcast', event: 'huge', payload: 'x'.repeat(huge * 1_000_000) },
  ])
}

async function joinedEngine() {
  FakeSocket.reset()
  const clock = new TestClock()
  const logger = new TestLogSink()
  const e = new Engine({
    endPoint: 'ws://realtime.test/realtime/v1',
    params: { apikey: 'anon' },
    transport: FakeSocket,
    clock,
    random: () => 0.5,
    logger,
  })
  const events: EngineEvent[] = []
  const session = e.attach('tab', (batch) => {
    events.push(...batch)
    session.ack(batch.length)
  })
  session.subscribe('s', TOPIC, { config: {}, postgres: [], presence: false })
  for (let i = 0; i < 50; i++) await Promise.resolve()
  clock.flush()
  FakeSocket.last.open()
  for (let i = 0; i < 50; i++) await Promise.resolve()
  clock.flush()
  FakeSocket.last.acceptJoin(TOPIC)
  clock.flush()
  return { clock, e, events, logger }
}

describe('malformed frames into the engine', () => {
  test('10,000 hostile frames (50,000 full): nothing thrown, counters match, valid traffic keeps flowing', async () => {
    const perRun = 1000
    const numRuns = runs(10, 50)
    const kinds = new Map<string, number>()
    let frames = 0
    let decodeErrors = 0
    let valid = 0
    let delivered = 0
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: perRun, maxLength: perRun }), async (batch) => {
        const { clock, e, events, logger } = await joinedEngine()
        const socket = FakeSocket.last
        const start = { ...e.counters }
        let expectedErrors = 0
        let sentValid = 0
        for (const [i, [kind, arbitrary]] of batch.entries()) {
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
          const frame = frameOf(kind, arbitrary)
          if (!oracle.decode(frame).ok) expectedErrors++
          socket.raw(frame) // a throw here fails the property
          if (i % 10 === 9) {
            socket.message(
              {
                join_ref: null,
                ref: null,
                topic: TOPIC,
                event: 'broadcast',
                payload: { type: 'broadcast', event: 'valid-3f1c', payload: { seq: sentValid++ } },
              },
              sentValid % 2 === 0,
            )
            clock.flush()
          }
        }
        clock.flush()
        expect(e.counters.framesIn - start.framesIn).toBe(batch.length + sentValid)
        expect(e.counters.decodeErrors - start.decodeErrors).toBe(expectedErrors)
        const got = events.flatMap((ev) =>
          ev.type === 'broadcast' && ev.payload.event === 'valid-3f1c'
            ? [(ev.payload.payload as { seq: number }).seq]
            : [],
        )
        expect(got).toEqual(Array.from({ length: sentValid }, (_, i) => i))
        expect(e.connection.name).toBe('connected')
        expect(e.inspect().channels).toMatchObject([{ topic: TOPIC, state: 'joined' }])
        expect(FakeSocket.instances).toHaveLength(1)
        expect(events.some((ev) => ev.type === 'gap')).toBe(false)
        // an exception caught inside the engine ("handling … failed") is a bug too
        expect(logger.lines.filter((l) => l.level === 'error').map((l) => `${l.message}: ${String(l.data)}`)).toEqual(
          [],
        )
        frames += batch.length
        decodeErrors += expectedErrors
        valid += sentValid
        delivered += got.length
        e.dispose()
      }),
      { numRuns, endOnFailure: true },
    )
    recordFault('malformed-frames-engine', {
      fault: `${frames.toLocaleString('en')} malformed frames into the engine (fast-check)`,
      runs: frames,
      recovered: frames,
      dataLost: valid - delivered,
      recoverMs: [],
      extra: {
        decodeErrors,
        validInterleaved: valid,
        validDelivered: delivered,
        uncaught: 0,
        kinds: Object.fromEntries(kinds),
        full: FULL,
      },
    })
  }, 300_000)
})
