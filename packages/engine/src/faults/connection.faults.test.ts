// Issue #8, faults of one connection, injected by the dev server (one server for the file: a
// start costs seconds): heartbeat replies withheld, token expiry, refused joins (private,
// rate limit, channel limit) and malformed frames. What the app sees, and that nothing
// retries faster than the backoff schedule allows. The token and join tests' engines run on a
// WarpClock (real timers, time the test can jump) so a minute of engine time, or the
// 10-second rate-limit floor, passes in a moment; their heartbeat interval is longer than
// any warp. Every frame an engine sends is recorded (joins and sockets are counted).

import { describe, expect, test } from 'vitest'
import { RATE_LIMIT_FLOOR_MS } from '../backoff.ts'
import type { EngineEvent } from '../events.ts'
import {
  admin,
  faultEngine,
  FaultTab,
  isBroadcast,
  isConnection,
  isResubscribed,
  isStatus,
  QUICK_RECONNECT,
  recordedWire,
  signJwt,
  spec,
  turns,
  unhandled,
  useFaultServer,
  waitFor,
} from '@shared-realtime/test-support/faults'
import { eachRun, recordFault, type RunOutcome, runs, throwFailures } from '@shared-realtime/test-support/record'
import { WarpClock } from './warp-clock.ts'

const CHANNEL_LIMIT = 3
const INTERVAL = 300
const TIMEOUT = 300
/**
 * Scheduling slack on a busy two-core machine. The property is "within interval + timeout" (600 ms); what this
 * test asserts is interval + timeout + MARGIN (1600 ms), and it records the measured detection beside both.
 */
const MARGIN = 1000
// Supabase's limits, but a channel limit of 3 and no events/s limit (the malformed-frames test
// sends as fast as the admin API answers; the events/s limit is exercised in restart.faults.test.ts)
const holder = useFaultServer({
  limits: { maxChannelsPerClient: CHANNEL_LIMIT, maxEventsPerSecond: Number.POSITIVE_INFINITY },
})

function warped() {
  const clock = new WarpClock()
  const wire = recordedWire(clock)
  const e = faultEngine(
    holder.server,
    { clock, heartbeatIntervalMs: 3_600_000, reconnectAfterMs: QUICK_RECONNECT },
    wire,
  )
  return { clock, wire, e }
}

/** A minute (by default) of engine time, a second at a time, letting real I/O run in between. */
async function watch(clock: WarpClock, ms = 60_000): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    clock.warp(1000)
    await turns(10)
  }
}

const statusesOf = (tab: FaultTab, sub: string, mark = 0) =>
  tab.since(mark).flatMap((ev) => (ev.type === 'status' && ev.sub === sub ? [ev] : [])) as Array<
    Extract<EngineEvent, { type: 'status' }>
  >

describe('token expiry (the server shuts the channel down with "Token has expired")', () => {
  test('the provider is asked again and the channel rejoins with the new token; the app does nothing', async () => {
    const n = runs(3, 20)
    const { wire, e } = warped()
    const tab = new FaultTab(e, 'a')
    let calls = 0
    const tokens: string[] = []
    tab.session.setTokenProvider(async () => {
      calls++
      const token = signJwt(holder.server.jwtSecret, { sub: 'user-1', n: calls })
      tokens.push(token)
      return token
    })
    tab.session.subscribe('t', 'realtime:fault-token', spec())
    await waitFor(
      () => tab.find(0, isStatus('t', 'SUBSCRIBED')) !== undefined,
      () => tab.last(),
    )
    const recoverMs: number[] = []
    const sockets = wire.sockets
    const outcome = await eachRun(n, async () => {
      const mark = tab.mark()
      const asked = calls
      const t0 = Date.now()
      await admin(holder.server, '/admin/faults', { expireTokens: true })
      const back = await waitFor(
        () =>
          tab.find(mark, isStatus('t', 'SUBSCRIBED')) !== undefined &&
          tab.find(mark, isResubscribed('t')) !== undefined,
        () => tab.last(),
      )
      recoverMs.push(back - t0)
      expect(statusesOf(tab, 't', mark).map((s) => [s.status, s.error?.kind, s.error?.retryable])).toEqual([
        ['CHANNEL_ERROR', 'closed:token-expired', true],
        ['SUBSCRIBED', undefined, undefined],
      ])
      expect(calls).toBe(asked + 1)
      const join = wire.joins('realtime:fault-token').at(-1)!.message
      expect((join.payload as { access_token?: string }).access_token).toBe(tokens.at(-1))
    })
    recordFault('token-expiry', {
      fault: 'token expiry (server closes the channel with "Token has expired")',
      runs: n,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: { providerCalls: calls, newSockets: wire.sockets - sockets },
    })
    throwFailures(outcome)
    expect(wire.sockets).toBe(sockets) // the socket stayed up: only the channel rejoined
    expect(unhandled).toEqual([])
  }, 60_000)

  test('a provider that keeps giving an expired token: failed after one retry, with a clear error, and no more joins', async () => {
    const n = runs(2, 10)
    const joinsPerRun: number[] = []
    const recoverMs: number[] = []
    const outcome = await eachRun(n, async (run) => {
      const { clock, wire, e } = warped()
      const tab = new FaultTab(e, 'a')
      let calls = 0
      tab.session.setTokenProvider(async () => (calls++, signJwt(holder.server.jwtSecret, { sub: 'user-1' }, -60)))
      const t0 = Date.now()
      tab.session.subscribe('t', `realtime:fault-token-bad-${run}`, spec())
      await waitFor(
        () => statusesOf(tab, 't').length === 2,
        () => tab.last(),
      )
      recoverMs.push(Date.now() - t0)
      await watch(clock)
      const statuses = statusesOf(tab, 't')
      joinsPerRun.push(wire.joins().length)
      expect(statuses).toHaveLength(2)
      // the first refusal is retried with a new token; the second is final, and says so
      expect(statuses[0]).toMatchObject({
        status: 'CHANNEL_ERROR',
        error: { kind: 'join-refused:InvalidJWTToken', retryable: true },
      })
      expect(statuses[1]).toMatchObject({
        status: 'CHANNEL_ERROR',
        error: { kind: 'join-refused:InvalidJWTToken', retryable: false },
      })
      expect(statuses[1]!.error!.message).toMatch(/^InvalidJWTToken: Token has expired/)
      expect(e.inspect().channels).toMatchObject([{ state: 'failed' }])
      // one join with the first token, one with the refreshed one; nothing in the minute after
      expect(wire.joins()).toHaveLength(2)
      expect(wire.sockets).toBe(1)
      expect(calls).toBeLessThanOrEqual(3)
    })
    recordFault('token-provider-failing', {
      fault: 'token provider keeps returning an expired token',
      runs: n,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: {
        outcome: 'failed after 1 token retry (CHANNEL_ERROR join-refused:InvalidJWTToken)',
        joinsPerRun,
        windowMs: 60_000,
        note: 'recoverMs: subscribe to the final CHANNEL_ERROR',
      },
    })
    throwFailures(outcome)
    expect(unhandled).toEqual([])
  }, 120_000)
})

describe('join refused', () => {
  test('a private channel without permission fails once: one join, one CHANNEL_ERROR, no retry', async () => {
    const n = runs(2, 10)
    const recoverMs: number[] = []
    const outcome = await eachRun(n, async (run) => {
      const { clock, wire, e } = warped()
      const tab = new FaultTab(e, 'a')
      const t0 = Date.now()
      tab.session.subscribe('p', `realtime:fault-private-${run}`, spec({ private: true }))
      await waitFor(
        () => statusesOf(tab, 'p').length === 1,
        () => tab.last(),
      )
      recoverMs.push(Date.now() - t0)
      await watch(clock)
      expect(statusesOf(tab, 'p')).toMatchObject([
        { status: 'CHANNEL_ERROR', error: { kind: 'join-refused:Unauthorized', retryable: false } },
      ])
      expect(wire.joins()).toHaveLength(1)
      expect(e.inspect().channels).toMatchObject([{ state: 'failed' }])
    })
    recordFault('join-refused-private', {
      fault: 'join refused (private channel, unauthorized)',
      runs: n,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: {
        outcome: 'failed once: 1 join, 1 CHANNEL_ERROR, 0 retries in 60 s',
        note: 'recoverMs: subscribe to CHANNEL_ERROR',
      },
    })
    throwFailures(outcome)
  }, 120_000)

  test('a rate-limit close (ClientJoinRateLimitReached, 1001) waits the rate-limit floor, not the normal backoff', async () => {
    const n = runs(2, 10)
    const recoverMs: number[] = []
    const delays: Array<{ normal: number; rateLimited: number }> = []
    const retriesPerMinute: number[] = []
    let outcome: RunOutcome
    try {
      outcome = await eachRun(n, async (run) => {
        const { clock, wire, e } = warped()
        const tab = new FaultTab(e, 'a')
        tab.session.subscribe('r', `realtime:fault-rate-${run}`, spec())
        await waitFor(
          () => tab.find(0, isStatus('r', 'SUBSCRIBED')) !== undefined,
          () => tab.last(),
        )
        const mark = tab.mark()
        await admin(holder.server, '/admin/faults', {
          joins: { refuse: 'ClientJoinRateLimitReached: Too many joins per second' },
        })
        await admin(holder.server, '/admin/faults', { dropSockets: true })
        const closed1001 = (ev: EngineEvent) =>
          ev.type === 'connection' && ev.state === 'reconnecting' && ev.error?.message.includes('1001') === true
        await waitFor(
          () => tab.find(mark, closed1001) !== undefined,
          () => tab.last(),
        )
        const normal = tab.find(mark, isConnection('reconnecting'))!.event as { retryInMs: number }
        const limited = tab.find(mark, closed1001)!.event as { retryInMs: number; error: { kind: string } }
        delays.push({ normal: normal.retryInMs, rateLimited: limited.retryInMs })
        // retryInMs is read off the real clock a moment after the delay was chosen: allow for that
        expect(limited.retryInMs).toBeGreaterThanOrEqual(RATE_LIMIT_FLOOR_MS - 50)
        expect(normal.retryInMs).toBeLessThan(RATE_LIMIT_FLOOR_MS)
        expect(
          tab.find(mark, (ev) => ev.type === 'status' && ev.error?.kind === 'join-refused:ClientJoinRateLimitReached'),
        ).toBeDefined()
        // no new socket before the floor has passed on the engine's clock
        const sockets = wire.sockets
        await watch(clock, limited.retryInMs - 1000)
        expect(wire.sockets).toBe(sockets)
        // refused on every try: a minute of engine time brings one try per floor at most
        await watch(clock, 60_000)
        const tries = wire.socketTimes.slice(sockets - 1)
        retriesPerMinute.push(tries.length - 1)
        expect(tries.length - 1).toBeGreaterThanOrEqual(1)
        expect(tries.length - 1).toBeLessThanOrEqual(
          Math.ceil((limited.retryInMs - 1000 + 60_000) / RATE_LIMIT_FLOOR_MS),
        )
        for (let i = 1; i < tries.length; i++)
          expect(tries[i]! - tries[i - 1]!).toBeGreaterThanOrEqual(RATE_LIMIT_FLOOR_MS)
        await admin(holder.server, '/admin/faults', { joins: 'normal' })
        const lifted = clock.now()
        const back = tab.mark()
        for (let i = 0; i < 15 && !tab.find(back, isStatus('r', 'SUBSCRIBED')); i++) await watch(clock, 1000)
        await waitFor(
          () => tab.find(back, isStatus('r', 'SUBSCRIBED')) !== undefined,
          () => tab.last(),
        )
        expect(tab.find(mark, isResubscribed('r'))).toBeDefined()
        recoverMs.push(clock.now() - lifted)
      })
    } finally {
      await admin(holder.server, '/admin/faults', { reset: true })
    }
    recordFault('rate-limit-close', {
      fault: 'rate-limit close (ClientJoinRateLimitReached + close 1001)',
      runs: n,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: {
        delays,
        floorMs: RATE_LIMIT_FLOOR_MS,
        retriesPerMinute,
        note: 'while refused: one connect per 10 s floor; recoverMs on the engine clock (warped): from lifting the refusal to SUBSCRIBED (up to one floor)',
      },
    })
    throwFailures(outcome)
    expect(unhandled).toEqual([])
  }, 120_000)

  test('over the channel limit only the extra channel fails, with a clear error; the others keep working', async () => {
    const n = runs(2, 10)
    const recoverMs: number[] = []
    const outcome = await eachRun(n, async (run) => {
      const { clock, wire, e } = warped()
      const tab = new FaultTab(e, 'a')
      const peer = new FaultTab(e, 'b')
      const topics = Array.from({ length: CHANNEL_LIMIT + 1 }, (_, i) => `realtime:fault-limit-${run}-${i}`)
      const t0 = Date.now()
      topics.forEach((topic, i) => tab.session.subscribe(`c${i}`, topic, spec({ broadcast: { ack: true } })))
      peer.session.subscribe('c0', topics[0]!, spec())
      const extra = `c${CHANNEL_LIMIT}`
      await waitFor(
        () =>
          topics.slice(0, CHANNEL_LIMIT).every((_, i) => tab.find(0, isStatus(`c${i}`, 'SUBSCRIBED'))) &&
          statusesOf(tab, extra).length === 1,
        () => tab.last(),
      )
      recoverMs.push(Date.now() - t0)
      await watch(clock)
      expect(statusesOf(tab, extra)).toMatchObject([
        { status: 'CHANNEL_ERROR', error: { kind: 'join-refused:ChannelRateLimitReached', retryable: false } },
      ])
      expect(statusesOf(tab, extra)[0]!.error!.message).toContain('Too many channels')
      for (let i = 0; i < CHANNEL_LIMIT; i++)
        expect(statusesOf(tab, `c${i}`).map((s) => s.status)).toEqual(['SUBSCRIBED'])
      expect(wire.joins(topics[CHANNEL_LIMIT])).toHaveLength(1)
      expect(await tab.session.send('c0', { type: 'broadcast', event: 'still', payload: { run } })).toBe('ok')
      await waitFor(
        () => peer.find(0, (ev) => ev.type === 'broadcast' && ev.payload.event === 'still') !== undefined,
        () => peer.last(),
      )
    })
    recordFault('channel-limit', {
      fault: `channel limit (${CHANNEL_LIMIT} per socket, a ${CHANNEL_LIMIT + 1}th subscribed)`,
      runs: n,
      recovered: outcome.recovered,
      // one broadcast per run on a channel under the limit, awaited: a lost one fails the run
      dataLost: null,
      recoverMs,
      extra: {
        outcome:
          'only the extra channel failed (ChannelRateLimitReached), 1 join, 0 retries in 60 s; the others stayed joined',
        note: 'recoverMs: subscribe to all settled',
      },
    })
    throwFailures(outcome)
    expect(unhandled).toEqual([])
  }, 120_000)
})

// The server stops answering heartbeats (the socket stays open: a half-dead connection or a
// stuck proxy). The engine must notice within interval + timeout, say so on the status stream
// (heartbeat `timeout`, connection `reconnecting` with a heartbeat-timeout error), reconnect
// and rejoin once answers return.
describe('heartbeat replies withheld', () => {
  test('the engine times out within interval + timeout, reports it, reconnects and rejoins', async () => {
    const { server } = holder
    const n = runs(3, 20)
    const e = faultEngine(server, {
      heartbeatIntervalMs: INTERVAL,
      heartbeatTimeoutMs: TIMEOUT,
      reconnectAfterMs: QUICK_RECONNECT,
    })
    const tab = new FaultTab(e, 'a')
    tab.session.subscribe('h', 'realtime:fault-heartbeat', spec())
    await waitFor(
      () => tab.find(0, isStatus('h', 'SUBSCRIBED')) !== undefined,
      () => tab.last(),
    )
    const detectMs: number[] = []
    const recoverMs: number[] = []
    let outcome: RunOutcome
    try {
      outcome = await eachRun(n, async () => {
        // start right after an answered heartbeat: the next one is the first unanswered
        const ok = tab.mark()
        await waitFor(
          () => tab.find(ok, (ev) => ev.type === 'heartbeat' && ev.status === 'ok') !== undefined,
          () => tab.last(),
        )
        const mark = tab.mark()
        const t0 = Date.now()
        await admin(server, '/admin/faults', { heartbeats: 'ignore' })
        const detected = await waitFor(
          () => tab.find(mark, (ev) => ev.type === 'heartbeat' && ev.status === 'timeout') !== undefined,
          () => tab.last(),
        )
        detectMs.push(detected - t0)
        expect(detected - t0).toBeLessThanOrEqual(INTERVAL + TIMEOUT + MARGIN)
        await waitFor(
          () => tab.find(mark, isConnection('reconnecting')) !== undefined,
          () => tab.last(),
        )
        expect(tab.find(mark, isConnection('reconnecting'))?.event).toMatchObject({
          error: { kind: 'heartbeat-timeout', retryable: true },
        })
        await admin(server, '/admin/faults', { heartbeats: 'answer' })
        const back = await waitFor(
          () =>
            tab.find(mark, isStatus('h', 'SUBSCRIBED')) !== undefined &&
            tab.find(mark, isResubscribed('h')) !== undefined,
          () => tab.last(),
        )
        recoverMs.push(back - t0)
      })
    } finally {
      await admin(server, '/admin/faults', { heartbeats: 'answer' })
    }
    recordFault('heartbeat-withheld', {
      fault: `heartbeat replies withheld (interval ${INTERVAL} ms, timeout ${TIMEOUT} ms)`,
      runs: n,
      recovered: outcome.recovered,
      dataLost: null,
      recoverMs,
      extra: {
        detectMs,
        detectMaxMs: Math.max(...detectMs),
        boundMs: INTERVAL + TIMEOUT,
        assertedMs: INTERVAL + TIMEOUT + MARGIN,
        overBound: detectMs.filter((ms) => ms > INTERVAL + TIMEOUT).length,
        note: 'recoverMs: from withholding to rejoined after answers resumed at detection; detection asserted <= assertedMs (bound + 1 s scheduling margin)',
      },
    })
    throwFailures(outcome)
    expect(unhandled).toEqual([])
  }, 120_000)
})

describe('malformed frames from the dev server', () => {
  test('bad JSON and bad binary frames are counted and dropped; the channel stays joined and traffic flows', async () => {
    const n = runs(20, 200)
    const wire = recordedWire()
    const e = faultEngine(holder.server, {}, wire)
    const other = faultEngine(holder.server)
    const tab = new FaultTab(e, 'a')
    const sender = new FaultTab(other, 'b')
    tab.session.subscribe('m', 'realtime:fault-malformed', spec())
    sender.session.subscribe('m', 'realtime:fault-malformed', spec({ broadcast: { ack: true } }))
    await waitFor(
      () =>
        tab.find(0, isStatus('m', 'SUBSCRIBED')) !== undefined &&
        sender.find(0, isStatus('m', 'SUBSCRIBED')) !== undefined,
      () => tab.last(),
    )
    const before = e.counters.decodeErrors
    const acks: unknown[] = []
    for (let i = 0; i < n; i++) {
      await admin(holder.server, '/admin/faults', { malformed: i % 2 ? 'binary' : 'json' })
      acks.push(await sender.session.send('m', { type: 'broadcast', event: 'between', payload: { i } }))
    }
    await waitFor(
      () => tab.count(0, isBroadcast('m', 'between')) === n,
      () => tab.last(),
    ).catch(() => undefined) // a missing broadcast is counted below, after the figures are recorded
    const received = tab
      .since(0)
      .flatMap((ev) => (ev.type === 'broadcast' ? [(ev.payload.payload as { i: number }).i] : []))
    const inOrder = received.filter((i, k) => i === k).length
    recordFault('malformed-frames-server', {
      fault: 'malformed frames from the dev server (bad JSON, bad binary) between broadcasts',
      runs: n,
      // a run: one bad frame, then one broadcast; recovered when that broadcast arrived in its place
      recovered: inOrder,
      dataLost: n - inOrder,
      recoverMs: [],
      extra: { decodeErrors: e.counters.decodeErrors - before, reconnects: wire.sockets - 1 },
    })
    expect(acks.filter((a) => a !== 'ok')).toEqual([])
    expect(received).toEqual(Array.from({ length: n }, (_, i) => i))
    // the other engine got the bad frames too
    expect(e.counters.decodeErrors - before).toBe(n)
    expect(wire.sockets).toBe(1)
    expect(e.inspect().channels).toMatchObject([{ state: 'joined' }])
    expect(unhandled).toEqual([])
  }, 120_000)
})
