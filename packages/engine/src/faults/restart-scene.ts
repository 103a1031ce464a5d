// The scene of the server-restart faults: one "browser" (engine E, tabs a and b) on two
// topics, a with presence and acknowledged broadcasts, and another browser (engine W, tab w)
// watching both and streaming broadcasts on the first, 10 a second while its channel is joined. One cycle: inject the
// fault; while E is down, a queues K broadcasts; then wait until every subscription is
// SUBSCRIBED again with `resubscribed`, w sees a's presence again, every queued push was
// acknowledged, went out on E's socket exactly once and reached b exactly once (through the
// engine's local echo). Whether w got them depends on which browser rejoined first (a
// broadcast is not stored): counted as a figure. A sentinel sent after recovery shows any
// queued push that arrived twice (one socket keeps order).

import type { Engine } from '../engine.ts'
import {
  faultEngine,
  FaultTab,
  isBroadcast,
  isConnection,
  isResubscribed,
  isStatus,
  presenceSince,
  QUICK_RECONNECT,
  recordedWire,
  type ServerHandle,
  spec,
  waitFor,
  notify,
} from '@shared-realtime/test-support/faults'

export const QUEUED_PER_RUN = 5

export interface CycleResult {
  recoverMs: number
  lost: number
  duplicates: number
  /** Queued pushes the other browser received (0 when it rejoined after they went out). */
  atOtherBrowser: number
  /** Pushes that settled other than `ok` (sendAt 'at-injection': written into a dying socket, `timed out`). */
  notAcknowledged: number
  /** Pushes made in the cycle: QUEUED_PER_RUN, plus (sendAt 'at-injection') those made before the engine knew. */
  pushes: number
}

/**
 * When a cycle's pushes are made: 'known-down' once the engine knows the socket is gone (they wait in the outbox:
 * none may be lost); 'at-injection' right as the fault is injected, before the engine knows (a push written into a
 * socket the server is closing is lost and resolves `timed out`, as in realtime-js: counted, not asserted away).
 */
export type SendAt = 'known-down' | 'at-injection'

export interface RestartScene {
  e: Engine
  cycle(run: number, inject: () => Promise<void>, timeoutMs?: number, sendAt?: SendAt): Promise<CycleResult>
  stop(): { streamed: number; streamRefused: number; streamAtA: number }
}

/** How many times `tab` got queued push `i` of `run` on `sub` since `mark`. */
const queuedAt = (tab: FaultTab, sub: string, mark: number, run: number, i: number) =>
  tab.count(
    mark,
    (ev) =>
      isBroadcast(sub, 'queued')(ev) &&
      ev.type === 'broadcast' &&
      JSON.stringify(ev.payload.payload) === JSON.stringify({ run, i }),
  )

export async function restartScene(server: ServerHandle, prefix: string): Promise<RestartScene> {
  const wire = recordedWire()
  const e = faultEngine(server, { reconnectAfterMs: QUICK_RECONNECT }, wire)
  const w = faultEngine(server, { reconnectAfterMs: QUICK_RECONNECT })
  const a = new FaultTab(e, 'a')
  const b = new FaultTab(e, 'b')
  const watcher = new FaultTab(w, 'w')
  const t1 = `realtime:${prefix}-1`
  const t2 = `realtime:${prefix}-2`
  a.session.subscribe('a1', t1, spec({ presence: { key: 'me' }, broadcast: { ack: true } }, true))
  a.session.subscribe('a2', t2, spec({ broadcast: { ack: true } }))
  b.session.subscribe('b1', t1, spec())
  watcher.session.subscribe('w1', t1, spec({ presence: { key: 'watcher' } }, true))
  watcher.session.subscribe('w2', t2, spec())
  const subs: Array<[FaultTab, string]> = [
    [a, 'a1'],
    [a, 'a2'],
    [b, 'b1'],
    [watcher, 'w1'],
    [watcher, 'w2'],
  ]
  const describe = () => [a, b, watcher].map((tab) => `${tab.id}: ${tab.last(6)}`).join('\n')
  await waitFor(
    () => subs.every(([tab, sub]) => tab.find(0, isStatus(sub, 'SUBSCRIBED'))),
    () => `first SUBSCRIBED\n${describe()}`,
  )
  a.session.track('a1', { here: true })
  await waitFor(
    () => presenceSince(watcher, 'w1', 0).keys.has('me'),
    () => `w sees "me"\n${watcher.last()}`,
  )

  let streamed = 0
  let streamRefused = 0
  // only while w's channel is joined: a stream queued during the outage would be flushed at
  // once on w's rejoin and trip the server's events/s limit (a finding listed in RELIABILITY.md)
  const streaming = () => watcher.log.findLast((l) => l.event.type === 'status' && l.event.sub === 'w1')?.event
  const stream = setInterval(() => {
    const s = streaming()
    if (s?.type !== 'status' || s.status !== 'SUBSCRIBED') return
    streamed++
    watcher.session
      .send('w1', { type: 'broadcast', event: 'stream', payload: { seq: streamed } }, 10_000)
      .catch(() => streamRefused++)
  }, 100)

  const onWire = (run: number, i: number) =>
    wire.sent.filter(
      ({ message: m }) =>
        m.event === 'broadcast' &&
        JSON.stringify((m.payload as { payload?: unknown }).payload) === JSON.stringify({ run, i }),
    ).length

  async function cycle(
    run: number,
    inject: () => Promise<void>,
    timeoutMs = 20_000,
    sendAt: SendAt = 'known-down',
  ): Promise<CycleResult> {
    // mid-stream: the other browser's broadcasts are arriving at a
    const streamedBefore = a.count(0, isBroadcast('a1', 'stream'))
    await waitFor(
      () => a.count(0, isBroadcast('a1', 'stream')) >= streamedBefore + 3,
      () => `run ${run}: the stream before the fault\n${a.last()}`,
      timeoutMs,
    )
    const marks = new Map(subs.map(([tab]) => [tab, tab.mark()]))
    const m = (tab: FaultTab) => marks.get(tab)!
    const t0 = Date.now()
    const injected = inject()
    if (sendAt === 'known-down')
      await waitFor(
        () => a.find(m(a), isConnection('reconnecting')) !== undefined,
        () => `E goes down\n${a.last()}`,
        timeoutMs,
      )
    const results: unknown[] = []
    // a push lost in a dying socket waits out its timeout: a short one keeps the cycle short
    const pushTimeout = sendAt === 'known-down' ? timeoutMs : 3000
    const push = (i: number) =>
      a.session.send('a1', { type: 'broadcast', event: 'queued', payload: { run, i } }, pushTimeout).then(
        (r) => ((results[i] = r), notify()),
        (error: unknown) => ((results[i] = error), notify()),
      )
    let pushes = 0
    if (sendAt === 'at-injection') {
      // one push every 10 ms from the injection until the engine knows the socket is gone (at most 100): some are
      // written into the socket the server is closing
      while (pushes < 100 && a.find(m(a), isConnection('reconnecting')) === undefined) {
        void push(pushes++)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    for (let i = 0; i < QUEUED_PER_RUN; i++) void push(pushes++)
    await injected
    const queued = Array.from({ length: pushes }, (_, i) => i)
    const unmet = (): string[] => [
      ...subs
        .filter(([tab, sub]) => !tab.find(m(tab), isStatus(sub, 'SUBSCRIBED')))
        .map(([, sub]) => `${sub} SUBSCRIBED`),
      ...subs.filter(([tab, sub]) => !tab.find(m(tab), isResubscribed(sub))).map(([, sub]) => `${sub} resubscribed`),
      ...(presenceSince(watcher, 'w1', m(watcher)).state ? [] : ['w1 presence state']),
      ...(presenceSince(watcher, 'w1', m(watcher)).keys.has('me') ? [] : ['w1 sees "me"']),
      ...(sendAt === 'known-down'
        ? queued.filter((i) => results[i] !== 'ok').map((i) => `push ${i}: ${String(results[i])}`)
        : queued.filter((i) => results[i] === undefined).map((i) => `push ${i} settled`)),
      ...queued
        .filter((i) => results[i] === 'ok' && queuedAt(b, 'b1', m(b), run, i) === 0)
        .map((i) => `push ${i} at b`),
    ]
    const recoveredAt = await waitFor(
      () => unmet().length === 0,
      () => `run ${run}: recovery: missing ${unmet().join(', ')}
${describe()}`,
      timeoutMs,
    )
    // anything queued that went out twice arrives before the sentinel
    const after = a.mark()
    const sentinel = await a.session.send('a1', { type: 'broadcast', event: 'sentinel', payload: { run } }, timeoutMs)
    if (sentinel !== 'ok') throw new Error(`run ${run}: the sentinel was answered ${String(sentinel)}`)
    await waitFor(
      () =>
        watcher.find(m(watcher), isBroadcast('w1', 'sentinel')) !== undefined &&
        b.find(m(b), isBroadcast('b1', 'sentinel')) !== undefined,
      () => `run ${run}: sentinel\n${describe()}`,
      timeoutMs,
    )
    // traffic from the other browser flows into E again
    await waitFor(
      () => a.find(after, isBroadcast('a1', 'stream')) !== undefined,
      () => `run ${run}: the stream at a\n${a.last()}`,
      timeoutMs,
    )
    let lost = 0
    let duplicates = 0
    let atOtherBrowser = 0
    for (const i of queued) {
      const sent = onWire(run, i)
      const echoed = queuedAt(b, 'b1', m(b), run, i)
      const got = queuedAt(watcher, 'w1', m(watcher), run, i)
      if (sent === 0 || echoed === 0 || results[i] !== 'ok') lost++
      duplicates += Math.max(0, sent - 1) + Math.max(0, echoed - 1) + Math.max(0, got - 1)
      if (got > 0) atOtherBrowser++
    }
    const notAcknowledged = queued.filter((i) => results[i] !== 'ok').length
    return { recoverMs: recoveredAt - t0, lost, duplicates, atOtherBrowser, notAcknowledged, pushes }
  }

  return {
    e,
    cycle,
    stop: () => {
      clearInterval(stream)
      return { streamed, streamRefused, streamAtA: a.count(0, isBroadcast('a1', 'stream')) }
    },
  }
}
