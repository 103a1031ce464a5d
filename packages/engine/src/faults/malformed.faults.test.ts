// Issue #8, "10,000 malformed frames into the engine": random bytes, truncated binary headers,
// wrong JSON shapes, unknown events and topics, well-formed frames with garbage payloads and
// huge payloads, interleaved with valid broadcasts (fast-check; TestClock and the scripted
// socket, so it is fast and exact). Nothing may throw out of the socket's onmessage, the
// counters must match (every frame counted in, every frame labelled invalid when it was generated, not by a decoder, counted as a decode
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

/** A V2 text frame's fields are valid when topic and event are strings and both refs are a string or null (PROTOCOL.md). */
const v2FieldsValid = ([joinRef, ref, t, event]: readonly unknown[]): boolean =>
  (joinRef === null || typeof joinRef === 'string') &&
  (ref === null || typeof ref === 'string') &&
  typeof t === 'string' &&
  typeof event === 'string'

/** Header fields a client decodes per binary kind (PROTOCOL.md, "Binary frames"): kind → field count, fixed bytes. */
const BINARY_HEADER: Record<number, { fields: number; fixed: number }> = {
  0: { fields: 3, fixed: 0 },
  1: { fields: 4, fixed: 0 },
  2: { fields: 2, fixed: 0 },
  4: { fields: 3, fixed: 1 },
}

/**
 * One hostile frame: [kind (for the figures), frame, whether it is a valid frame]. The label comes from how the
 * frame was made, never from a decoder: the test then checks the engine's decode-error count against it.
 */
const hostile = fc.oneof(
  {
    weight: 3,
    // the first byte is no frame kind (0-4), or there is no first byte
    arbitrary: fc
      .oneof(
        fc.constant(new Uint8Array(0)),
        fc
          .tuple(fc.integer({ min: 5, max: 255 }), fc.uint8Array({ maxLength: 63 }))
          .map(([k, rest]) => new Uint8Array([k, ...rest])),
      )
      .map((b) => ['random bytes, unknown kind', buffer(b), false] as const),
  },
  {
    weight: 3,
    // a header whose field lengths run past the end of the frame, or a frame shorter than its header
    arbitrary: fc
      .tuple(
        fc.constantFrom(0, 1, 2, 4),
        fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 4, maxLength: 4 }),
        fc.nat(),
        fc.boolean(),
      )
      .map(([kind, lengths, n, headerCut]) => {
        const { fields, fixed } = BINARY_HEADER[kind]!
        const lens = lengths.slice(0, fields)
        const header = [kind, ...lens, ...Array.from({ length: fixed }, () => 1)]
        const total = lens.reduce((x, y) => x + y, 0)
        const frame = headerCut
          ? header.slice(0, 1 + (n % (header.length - 1)))
          : [...header, ...Array.from({ length: n % total }, (_, i) => 97 + (i % 26))]
        return ['truncated binary header', buffer(new Uint8Array(frame)), false] as const
      }),
  },
  {
    weight: 2,
    // a valid kind-4 frame cut short: its JSON payload (`{"a":1}`) has no prefix that is JSON
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
      return ['truncated kind-4 frame', buffer(frame.subarray(0, cut % frame.length)), false] as const
    }),
  },
  {
    weight: 3,
    // no JSON text starts with "<"
    arbitrary: fc.string({ maxLength: 80 }).map((s) => ['random text, not JSON', `<${s}`, false] as const),
  },
  {
    weight: 3,
    // JSON that is not an array of five or more
    arbitrary: fc
      .jsonValue({ maxDepth: 3 })
      .filter((v) => !(Array.isArray(v) && v.length >= 5))
      .map((v) => ['wrong JSON shape', JSON.stringify(v) ?? 'null', false] as const),
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
      .map(
        (t) =>
          [
            v2FieldsValid(t) ? '5-array, valid types' : '5-array of wrong types',
            JSON.stringify(t),
            v2FieldsValid(t),
          ] as const,
      ),
  },
  {
    weight: 5,
    arbitrary: fc
      .tuple(notRef, notRef, topic, anyEvent, fc.jsonValue({ maxDepth: 3 }))
      .map(
        ([joinRef, ref, t, event, payload]) =>
          ['well-formed, unknown or garbage content', JSON.stringify([joinRef, ref, t, event, payload]), true] as const,
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
      .map(([mb, t, event]) => ['huge payload', { huge: mb, topic: t, event }, true] as const),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom<unknown>(null, undefined, 42, {}, [], new Uint8Array([4, 1, 1]), true)
      .map((v) => ['not a frame at all', v, false] as const),
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
    let labelledInvalid = 0
    let decodeErrors = 0
    let valid = 0
    let delivered = 0
    let thrown = 0
    let loggedErrors = 0
    /** What did not hold, per run: collected so the figures are recorded before anything is asserted. */
    const failures: string[] = []
    await fc.assert(
      fc.asyncProperty(fc.array(hostile, { minLength: perRun, maxLength: perRun }), async (batch) => {
        const { clock, e, events, logger } = await joinedEngine()
        const socket = FakeSocket.last
        const start = { ...e.counters }
        let invalid = 0
        let sentValid = 0
        for (const [i, [kind, arbitrary, isValid]] of batch.entries()) {
          kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
          if (!isValid) invalid++
          try {
            socket.raw(frameOf(kind, arbitrary))
          } catch (error) {
            thrown++
            failures.push(`${kind} threw out of onmessage: ${String(error)}`)
          }
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
        const got = events.flatMap((ev) =>
          ev.type === 'broadcast' && ev.payload.event === 'valid-3f1c'
            ? [(ev.payload.payload as { seq: number }).seq]
            : [],
        )
        const runErrors = e.counters.decodeErrors - start.decodeErrors
        const check = (what: string, ok: boolean) => ok || failures.push(what)
        check(
          `framesIn ${e.counters.framesIn - start.framesIn} of ${batch.length + sentValid}`,
          e.counters.framesIn - start.framesIn === batch.length + sentValid,
        )
        check(`decodeErrors ${runErrors}, labelled invalid ${invalid}`, runErrors === invalid)
        check(
          `valid broadcasts ${JSON.stringify(got)} of ${sentValid}`,
          got.length === sentValid && got.every((n, k) => n === k),
        )
        check(`connection ${e.connection.name}`, e.connection.name === 'connected')
        check(
          `channels ${JSON.stringify(e.inspect().channels)}`,
          e.inspect().channels.length === 1 && e.inspect().channels[0]?.state === 'joined',
        )
        check(`${FakeSocket.instances.length} sockets`, FakeSocket.instances.length === 1)
        check('a gap', !events.some((ev) => ev.type === 'gap'))
        // an exception caught inside the engine ("handling … failed") is a bug too
        const errors = logger.lines.filter((l) => l.level === 'error')
        loggedErrors += errors.length
        for (const l of errors) failures.push(`logged: ${l.message}: ${String(l.data)}`)
        frames += batch.length
        labelledInvalid += invalid
        decodeErrors += runErrors
        valid += sentValid
        delivered += got.filter((n, k) => n === k).length
        e.dispose()
      }),
      { numRuns, endOnFailure: true },
    )
    recordFault('malformed-frames-engine', {
      fault: `${frames.toLocaleString('en')} malformed frames into the engine (fast-check)`,
      runs: frames,
      // a frame is handled when it threw nothing out of onmessage; the counts below say whether it was counted right
      recovered: frames - thrown,
      dataLost: valid - delivered,
      recoverMs: [],
      extra: {
        labelledInvalid,
        decodeErrors,
        validInterleaved: valid,
        validDelivered: delivered,
        uncaught: thrown,
        loggedErrors,
        kinds: Object.fromEntries(kinds),
        failures: failures.length,
        full: FULL,
      },
    })
    expect(failures.slice(0, 20)).toEqual([])
  }, 300_000)
})
