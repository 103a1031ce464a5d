// Issue #8, "malformed or hostile messages from a tab port": the worker host (WorkerHost,
// behind its Comlink guard) in Node, on MessageChannel ports, against the real dev server.
// Two well-behaved tabs share one engine and pass broadcasts; a third port sends fast-check
// garbage: raw messages of every shape (not objects, unknown Comlink types, GET/SET/CONSTRUCT,
// prototype paths, huge and wrong arguments), commands with wrong arguments after attaching,
// and junk on its events port. Every message that carries an id gets exactly one answer —
// an error, or a harmless command's envelope — and the good tabs lose nothing.

import * as Comlink from 'comlink'
import type { EngineEvent } from '@shared-realtime/engine'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { unhandled, useFaultServer, waitFor } from '@shared-realtime/test-support/faults'
import { recordFault, runs } from '@shared-realtime/test-support/record'
import type { EngineConfig } from '../protocol.ts'
import { checkComlinkMessage } from './guard.ts'
import { WorkerHost } from './worker-host.ts'
import { COMMANDS, type Reply, TAB_PROTOCOL_VERSION, type TabApi } from '../protocol.ts'

// no server limits: the good tabs' traffic must not trip the events/s limit whatever the run count
const holder = useFaultServer({ limits: false })

function config(): EngineConfig {
  const { url, keys } = holder.server
  return {
    endPoint: url,
    params: { apikey: keys.anon, test: 'port-faults' },
    vsn: '2.0.0',
    timeout: 10_000,
    heartbeatIntervalMs: 25_000,
    disconnectOnEmptyChannelsAfterMs: 0,
  }
}

function value<T>(reply: Reply<T>): T {
  if (!reply.ok) throw new Error(`error reply: ${reply.error.kind}: ${reply.error.message}`)
  return reply.value
}

/** A tab as a worker link drives it: a Comlink remote on one port, events (acknowledged) on another. */
async function goodTab(host: WorkerHost) {
  const commands = new MessageChannel()
  host.expose(commands.port1 as never)
  const api = Comlink.wrap(commands.port2 as never) as unknown as TabApi
  const events = new MessageChannel()
  const log: EngineEvent[] = []
  events.port1.addEventListener('message', (event) => {
    const data = (event as MessageEvent).data as { events: EngineEvent[]; ping?: true }
    // a tab without a lock is pinged (worker-host.ts LIVENESS): a live one answers
    if (data.ping) return events.port1.postMessage({ pong: true })
    log.push(...data.events)
    events.port1.postMessage({ ack: data.events.length })
  })
  events.port1.start()
  value(
    await api.attach(
      config(),
      Comlink.transfer(events.port2, [events.port2 as never]) as never,
      '',
      TAB_PROTOCOL_VERSION,
    ),
  )
  return { api, log, events: events.port1, close: () => (commands.port2.close(), events.port1.close()) }
}

const command = fc.oneof(
  fc.constantFrom(...Object.keys(COMMANDS)),
  fc.constantFrom('__proto__', 'constructor', 'then', 'toString', 'valueOf', 'hasOwnProperty'),
  fc.string({ maxLength: 12 }),
)
const wireValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((v) => ({ type: 'RAW', value: v })),
  fc.record({
    type: fc.constantFrom('HANDLER', 'RAW', 'PROXY', 'X'),
    name: fc.constantFrom('proxy', 'throw', 'x'),
    value: fc.jsonValue({ maxDepth: 1 }),
  }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.constant({ type: 'RAW', value: 'x'.repeat(2000) }), // longer than any string argument may be
)

/** One hostile raw message, with whether it carries an id (only those can be answered). */
const rawMessage = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.record(
    {
      id: fc.oneof(fc.uuid(), fc.constant(undefined), fc.integer()),
      type: fc.constantFrom('GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT', 'RELEASE', 'apply', 'X'),
      path: fc.oneof(fc.array(command, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
      argumentList: fc.oneof(fc.array(wireValue, { maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })),
      value: wireValue,
    },
    { requiredKeys: ['type'] },
  ),
  fc
    .tuple(
      fc.uuid(),
      fc.constantFrom(...Object.keys(COMMANDS)),
      fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 6 }),
    )
    .map(([id, name, args]) => ({
      id,
      type: 'APPLY',
      path: [name],
      argumentList: args.map((v) => ({ type: 'RAW', value: v })),
    })),
  fc.constantFrom<unknown>(
    JSON.parse('{"__proto__":{"polluted":true},"id":"p1","type":"APPLY","path":["inspect"],"argumentList":[]}'),
    { id: 'p2', type: 'GET', path: ['constructor', 'prototype'] },
    // found by this suite: Comlink maps argumentList before its try/catch, so this threw in the worker
    { id: 'p3', type: 'RELEASE', path: [], argumentList: 42 },
    { id: 'p4', type: 'RELEASE', path: [], argumentList: [null] },
  ),
)

/** A command called properly through Comlink, but with arguments a bug (or an attacker) would send. */
const badCall = fc.oneof(
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 3 }))
    .map(([a, b, c]) => ['subscribe', [a, b, c]] as const),
  fc
    .tuple(
      fc.jsonValue({ maxDepth: 1 }),
      fc.jsonValue({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 1 }),
      fc.jsonValue({ maxDepth: 2 }),
    )
    .map((args) => ['send', args] as const),
  fc.tuple(fc.jsonValue({ maxDepth: 1 }), fc.jsonValue({ maxDepth: 3 })).map((args) => ['track', args] as const),
  // found by this suite: a string that is no token, set by one tab, broke every tab's channels
  fc
    .oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom('not a token', 'a.b', 'Bearer x.y.z'))
    .map((a) => ['setAuth', [a]] as const),
  fc.jsonValue({ maxDepth: 1 }).map((a) => ['unsubscribe', [a]] as const),
  fc.jsonValue({ maxDepth: 1 }).map((a) => ['setTokenProvider', [a]] as const),
  fc
    .tuple(fc.jsonValue({ maxDepth: 2 }), fc.jsonValue({ maxDepth: 3 }))
    .map(([a, b]) => ['attach', [a, b, null, 7, TAB_PROTOCOL_VERSION]] as const),
)

/**
 * A generated "bad" call answered `ok` is not a failure only when its arguments happen to be valid input: an
 * unsubscribe of a sub id this tab does not hold (a no-op that emits CLOSED, session.ts), a track of a plain object
 * on a sub id this tab does not hold (a no-op, session.ts), setAuth(null) or setAuth('') (sign out, the anon key),
 * setTokenProvider(null) (no provider). Any other `ok` is a failure.
 */
function harmlessOk(name: string, args: readonly unknown[]): boolean {
  const [first, second] = args
  if (name === 'unsubscribe') return typeof first === 'string'
  if (name === 'track')
    return typeof first === 'string' && typeof second === 'object' && second !== null && !Array.isArray(second)
  if (name === 'setAuth') return first === null || first === ''
  if (name === 'setTokenProvider') return first === null
  return false
}

describe('hostile messages on a tab port', () => {
  test('every message with an id gets one answer; the other tabs are unaffected', async () => {
    const numRuns = runs(4, 40)
    const perRun = 100
    const host = new WorkerHost({ kind: 'shared-worker', transport: WebSocket as never })
    const a = await goodTab(host)
    const b = await goodTab(host)
    value(
      await a.api.subscribe('s', 'realtime:port-faults', {
        config: { broadcast: { ack: true } },
        postgres: [],
        presence: false,
      }),
    )
    value(await b.api.subscribe('s', 'realtime:port-faults', { config: {}, postgres: [], presence: false }))
    const subscribed = (log: EngineEvent[]) => log.some((e) => e.type === 'status' && e.status === 'SUBSCRIBED')
    await waitFor(
      () => subscribed(a.log) && subscribed(b.log),
      () => JSON.stringify([a.log, b.log]),
    )
    let sentGood = 0
    const counts = {
      /** raw messages generated (100 per run); only `posted` of them reached the port */
      generated: 0,
      posted: 0,
      postedWithId: 0,
      answeredOnce: 0,
      /** runs ended by a RELEASE the guard accepts (Comlink closes the port: nothing after it is posted) */
      released: 0,
      guardRefusals: 0,
      badCalls: 0,
      badCallErrors: 0,
      /** bad calls answered `ok`: only for arguments that are valid input (see `harmlessOk`) */
      badCallOk: 0,
      eventsJunk: 0,
    }
    /** Everything that did not hold, collected so the figures are recorded before anything is asserted. */
    const failures: string[] = []
    const okCalls: Record<string, number> = {}

    await fc.assert(
      fc.asyncProperty(
        fc.array(rawMessage, { minLength: perRun, maxLength: perRun }),
        fc.array(badCall, { minLength: perRun / 4, maxLength: perRun / 4 }),
        fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 10, maxLength: 10 }),
        async (raws, calls, junk) => {
          // a raw port: nothing but garbage
          const raw = new MessageChannel()
          host.expose(raw.port1 as never)
          const answers = new Map<unknown, unknown[]>()
          raw.port2.addEventListener('message', (event) => {
            const data = (event as MessageEvent).data as { id?: unknown }
            answers.set(data.id, [...(answers.get(data.id) ?? []), data])
          })
          raw.port2.start()
          const ids: string[] = []
          const sent = new Map<string, unknown>()
          // a RELEASE that passes the guard is Comlink's "close this port": nothing after it is answered,
          // so the run stops there; a RELEASE the guard refuses is answered like any bad message
          let released = false
          let posted = 0
          for (const [i, message] of raws.entries()) {
            const tagged =
              typeof message === 'object' &&
              message !== null &&
              !Array.isArray(message) &&
              typeof (message as { id?: unknown }).id === 'string'
                ? { ...(message as object), id: `${(message as { id: string }).id}-${i}` }
                : message
            if (typeof tagged === 'object' && tagged !== null && typeof (tagged as { id?: unknown }).id === 'string') {
              ids.push((tagged as { id: string }).id)
              sent.set((tagged as { id: string }).id, tagged)
            }
            raw.port2.postMessage(tagged)
            posted++
            if ((tagged as { type?: unknown } | null)?.type === 'RELEASE' && checkComlinkMessage(tagged) === null) {
              released = true
              break
            }
          }
          // a hostile tab: attached, then wrong arguments through Comlink, junk on its events port
          const hostile = await goodTab(host)
          const replies = await Promise.all(
            calls.map(([name, args]) => (hostile.api[name] as (...a: unknown[]) => Promise<Reply<unknown>>)(...args)),
          )
          // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
          for (const j of junk) hostile.events.postMessage(j)
          // meanwhile the good tabs talk
          for (let i = 0; i < 5; i++) {
            const reply = await a.api.send('s', { type: 'broadcast', event: 'good', payload: { n: sentGood++ } }, 5000)
            if (!reply.ok || reply.value !== 'ok') failures.push(`good send ${sentGood - 1}: ${JSON.stringify(reply)}`)
          }
          const allAnswered = await waitFor(
            () => ids.every((id) => answers.has(id)),
            () => '',
          ).then(
            () => true,
            () => false,
          )
          if (!allAnswered)
            failures.push(
              `no answer to ${ids.filter((id) => !answers.has(id)).length} of ${ids.length} messages: ${JSON.stringify(
                ids
                  .filter((id) => !answers.has(id))
                  .slice(0, 5)
                  .map((id) => sent.get(id)),
              ).slice(0, 3000)}`,
            )
          for (const id of ids)
            if ((answers.get(id)?.length ?? 0) > 1) failures.push(`${answers.get(id)?.length} answers to ${id}`)
          for (const [i, reply] of replies.entries()) {
            const [name, args] = calls[i]!
            if (reply.instance !== host.instance) failures.push(`${name}: a reply without the instance id`)
            if (!reply.ok) counts.badCallErrors++
            else if (harmlessOk(name, args)) {
              counts.badCallOk++
              okCalls[name] = (okCalls[name] ?? 0) + 1
            } else failures.push(`${name}(${JSON.stringify(args).slice(0, 200)}) was answered ok`)
          }
          counts.generated += raws.length
          counts.posted += posted
          if (released) counts.released++
          counts.postedWithId += ids.length
          counts.answeredOnce += ids.filter((id) => answers.get(id)?.length === 1).length
          counts.guardRefusals += [...answers.values()]
            .flat()
            .filter((d) => (d as { name?: unknown }).name === 'throw').length
          counts.badCalls += calls.length
          counts.eventsJunk += junk.length
          hostile.close()
          raw.port2.close()
        },
      ),
      { numRuns, endOnFailure: true },
    )
    await waitFor(
      () => b.log.filter((e) => e.type === 'broadcast').length === sentGood,
      () => '',
    ).catch(() => failures.push(`b got ${b.log.filter((e) => e.type === 'broadcast').length} of ${sentGood}`))
    const got = b.log.flatMap((e) => (e.type === 'broadcast' ? [(e.payload.payload as { n: number }).n] : []))
    const inOrder = got.filter((n, i) => n === i).length
    const otherStatus = a.log.concat(b.log).filter((e) => e.type === 'status' && e.status !== 'SUBSCRIBED')
    const answerable = counts.postedWithId + counts.badCalls
    recordFault('hostile-tab-port', {
      fault: 'malformed or hostile messages from a tab port (fast-check): raw messages with an id, and bad calls',
      // what can be checked one by one: a raw message with an id gets exactly one answer; a bad call gets an
      // error, or `ok` only where its arguments are valid input. Raw messages without an id and junk on the
      // events port have no answer to check: the good tabs' traffic (data lost) is their check.
      runs: answerable,
      recovered: counts.answeredOnce + counts.badCallErrors + counts.badCallOk,
      dataLost: sentGood - inOrder,
      recoverMs: [],
      extra: {
        ...counts,
        postedWithoutId: counts.posted - counts.postedWithId,
        okCalls,
        goodBroadcasts: sentGood,
        goodDeliveredInOrder: inOrder,
        otherTabStatus: otherStatus.length,
        failures: failures.length,
      },
    })
    expect(failures).toEqual([])
    expect(got).toEqual(Array.from({ length: sentGood }, (_, i) => i))
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined()
    expect(otherStatus).toEqual([])
    expect(counts.answeredOnce).toBe(counts.postedWithId)
    a.close()
    b.close()
    expect(unhandled).toEqual([])
  }, 120_000)

  test('a tab whose token provider answers something that is no token does not break the other tabs', async () => {
    const host = new WorkerHost({ kind: 'shared-worker', transport: WebSocket as never })
    const a = await goodTab(host)
    const b = await goodTab(host)
    value(
      await a.api.subscribe('s', 'realtime:port-provider', {
        config: { broadcast: { ack: true } },
        postgres: [],
        presence: false,
      }),
    )
    value(await b.api.subscribe('s', 'realtime:port-provider', { config: {}, postgres: [], presence: false }))
    const subscribed = (log: EngineEvent[]) => log.some((e) => e.type === 'status' && e.status === 'SUBSCRIBED')
    await waitFor(
      () => subscribed(a.log) && subscribed(b.log),
      () => JSON.stringify([a.log, b.log]),
    )
    const hostile = await goodTab(host)
    let asked = 0
    value(await hostile.api.setTokenProvider(Comlink.proxy(async () => (asked++, 'not a token')) as never))
    await waitFor(
      () => asked > 0,
      () => 'the provider was not asked',
    )
    expect(value(await a.api.send('s', { type: 'broadcast', event: 'after', payload: {} }, 5000))).toBe('ok')
    await waitFor(
      () => b.log.some((e) => e.type === 'broadcast'),
      () => JSON.stringify(b.log),
    )
    expect(a.log.concat(b.log).filter((e) => e.type === 'status' && e.status !== 'SUBSCRIBED')).toEqual([])
    for (const t of [a, b, hostile]) t.close()
  }, 30_000)
})
