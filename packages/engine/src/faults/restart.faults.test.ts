// Issue #8, "server killed/restarted mid-stream": the dev server's graceful restart
// (/admin/restart: "Server requested disconnect", close 1012, upgrades refused while down) and
// a real SIGKILL of the server process, each while another browser streams broadcasts. Every
// run must end with every channel rejoined, presence re-tracked, `resubscribed` delivered,
// the pushes queued while down sent exactly once, and no unhandled rejection.

import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ChildServer } from '@shared-realtime/test-support/child-server'
import {
  admin,
  faultEngine,
  FaultTab,
  isConnection,
  isStatus,
  QUICK_RECONNECT,
  spec,
  unhandled,
  useFaultServer,
  waitFor,
} from '@shared-realtime/test-support/faults'
import { recordFault, runs } from '@shared-realtime/test-support/record'
import { type CycleResult, QUEUED_PER_RUN, restartScene, type RestartScene, type SendAt } from './restart-scene.ts'

async function runCycles(
  scene: RestartScene,
  n: number,
  inject: () => Promise<void>,
  timeoutMs?: number,
  sendAt?: SendAt,
) {
  const results: CycleResult[] = []
  const failures: string[] = []
  for (let run = 0; run < n; run++) {
    try {
      results.push(await scene.cycle(run, inject, timeoutMs, sendAt))
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error))
    }
  }
  return { results, failures, stream: scene.stop() }
}

function figures(fault: string, n: number, out: Awaited<ReturnType<typeof runCycles>>, extra: Record<string, unknown>) {
  const lost = out.results.reduce((s, r) => s + r.lost, 0)
  const duplicates = out.results.reduce((s, r) => s + r.duplicates, 0)
  const atOtherBrowser = out.results.reduce((s, r) => s + r.atOtherBrowser, 0)
  return {
    fault,
    runs: n,
    recovered: out.results.filter((r) => r.lost === 0 && r.duplicates === 0).length,
    dataLost: lost + duplicates + (n - out.results.length) * QUEUED_PER_RUN,
    recoverMs: out.results.map((r) => r.recoverMs),
    extra: {
      ...extra,
      queuedPerRun: QUEUED_PER_RUN,
      lost,
      duplicates,
      notAcknowledged: out.results.reduce((s, r) => s + r.notAcknowledged, 0),
      queuedAtOtherBrowser: atOtherBrowser,
      // a broadcast is not stored: one the server relayed before the other browser had rejoined never reaches it
      pushes: out.results.reduce((s, r) => s + r.pushes, 0),
      queuedMissedByOtherBrowser: out.results.reduce((s, r) => s + r.pushes, 0) - atOtherBrowser,
      failures: out.failures,
      ...out.stream,
      unhandledRejections: unhandled.length,
    },
  }
}

// one in-process server for the /admin/restart tests (a start costs seconds: PGlite)
const holder = useFaultServer()

describe('/admin/restart mid-stream', () => {
  test('every run ends rejoined, re-tracked, resubscribed, queued pushes sent once', async () => {
    const n = runs(3, 20)
    const scene = await restartScene(holder.server, 'restart')
    const out = await runCycles(
      scene,
      n,
      async () => void (await admin(holder.server, '/admin/restart', { downMs: 300 })),
    )
    const f = figures('server restart (/admin/restart, down 300 ms), mid-stream', n, out, {
      downMs: 300,
      reconnect: '100, 200, 500, 1000 ms',
    })
    recordFault('server-restart-admin', f)
    expect(out.failures).toEqual([])
    expect(f.recovered).toBe(n)
    expect(f.dataLost).toBe(0)
    expect(unhandled).toEqual([])
  }, 600_000)
})

describe('/admin/restart, pushes made as the fault is injected', () => {
  // The variant the test above avoids: the pushes are made right as the server restarts, before the engine knows
  // its socket is gone. A push written into the closing socket is lost and resolves `timed out` (realtime-js's
  // at-most-once for non-durable pushes): the loss is recorded, not asserted to be 0. What must hold: every push
  // settles, none arrives twice, every one acknowledged `ok` reached the other tab, and the channels recover.
  test('pushes sent during the fault settle, none twice; the loss is counted', async () => {
    const n = runs(3, 20)
    const scene = await restartScene(holder.server, 'restart-during')
    const out = await runCycles(
      scene,
      n,
      async () => void (await admin(holder.server, '/admin/restart', { downMs: 300 })),
      20_000,
      'at-injection',
    )
    const f = {
      ...figures('server restart (/admin/restart, down 300 ms), pushes made every 10 ms from the injection', n, out, {
        downMs: 300,
        note: 'pushes sent from the injection until the engine knows the socket is gone, then 5 more; dataLost = pushes not acknowledged ok or never echoed (lost in the closing socket: timed out)',
      }),
      // here a run recovers when the channels do; its lost pushes are the figure, not a failure
      recovered: out.results.length,
    }
    recordFault('server-restart-send-during', f)
    expect(out.failures).toEqual([])
    expect(f.extra.duplicates).toBe(0)
    expect(unhandled).toEqual([])
  }, 600_000)
})

describe('pushes queued during an outage, flushed at the rejoin', () => {
  // The outbox sends everything it queued at once after the rejoin. This found that the dev
  // server counted events over a 1-second window, stricter than Supabase's 5-second buckets,
  // so such a backlog shut the channel down ("Too many messages per second"); it now averages
  // over 5 s. Every queued push must be acknowledged and received once; and should a channel
  // be shut down anyway, the app must be told why.
  test('every push queued during the outage is acknowledged and received once', async () => {
    const queued = 60
    const e = faultEngine(holder.server, { reconnectAfterMs: QUICK_RECONNECT })
    const w = faultEngine(holder.server, { reconnectAfterMs: QUICK_RECONNECT })
    const a = new FaultTab(e, 'a')
    const watcher = new FaultTab(w, 'w')
    a.session.subscribe('a', 'realtime:burst', spec({ broadcast: { ack: true } }))
    watcher.session.subscribe('w', 'realtime:burst', spec())
    await waitFor(
      () =>
        a.find(0, isStatus('a', 'SUBSCRIBED')) !== undefined &&
        watcher.find(0, isStatus('w', 'SUBSCRIBED')) !== undefined,
      () => a.last(),
    )
    const mark = a.mark()
    await admin(holder.server, '/admin/restart', { downMs: 300 })
    await waitFor(
      () => a.find(mark, isConnection('reconnecting')) !== undefined,
      () => a.last(),
    )
    const results: unknown[] = []
    for (let i = 0; i < queued; i++) {
      a.session.send('a', { type: 'broadcast', event: 'backlog', payload: { i } }, 3000).then(
        (r) => (results[i] = r),
        (error: unknown) => (results[i] = String(error)),
      )
    }
    await waitFor(
      () => results.filter((r) => r !== undefined).length === queued,
      () => `${results.filter((r) => r !== undefined).length} of ${queued} settled\n${a.last()}`,
      20_000,
    )
    const closed = a.find(mark, (ev) => ev.type === 'status' && ev.status === 'CLOSED') !== undefined
    const told =
      a.find(
        mark,
        (ev) =>
          ev.type === 'system' && (ev.payload as { message?: unknown }).message === 'Too many messages per second',
      ) !== undefined
    expect(closed && !told).toBe(false) // closed without the reason would be a silent failure
    const ok = results.filter((r) => r === 'ok').length
    recordFault('outbox-burst', {
      fault: `${queued} pushes queued during a restart, flushed at the rejoin (server limit 100 events/s)`,
      runs: 1,
      recovered: closed ? 0 : 1,
      dataLost: queued - ok,
      recoverMs: [],
      extra: {
        acknowledged: ok,
        otherResults: [...new Set(results.filter((r) => r !== 'ok'))],
        channelClosed: closed,
        received: watcher.count(0, (ev) => ev.type === 'broadcast'),
      },
    })
    expect(unhandled).toEqual([])
    expect(ok).toBe(queued)
    await waitFor(
      () => watcher.count(0, (ev) => ev.type === 'broadcast') === queued,
      () => `${watcher.count(0, (ev) => ev.type === 'broadcast')} of ${queued} received`,
    )
  }, 60_000)
})

describe('server process killed (SIGKILL) mid-stream', () => {
  const child = new ChildServer()
  beforeAll(() => child.start(), 60_000)
  afterAll(() => child.kill())

  test('every run ends rejoined, re-tracked, resubscribed, queued pushes sent once', async () => {
    const n = runs(1, 20)
    const scene = await restartScene(child, 'kill')
    const serverStartMs: number[] = []
    const out = await runCycles(
      scene,
      n,
      async () => {
        await child.kill()
        const t0 = Date.now()
        await child.start()
        serverStartMs.push(Date.now() - t0)
      },
      60_000,
    )
    const f = figures('server process killed (SIGKILL) and started again, mid-stream', n, out, {
      reconnect: '100, 200, 500, 1000 ms',
      serverStartMs,
      note: 'recoverMs includes the server process start (serverStartMs: tsx + PGlite)',
    })
    recordFault('server-kill', f)
    expect(out.failures).toEqual([])
    expect(f.recovered).toBe(n)
    expect(f.dataLost).toBe(0)
    expect(unhandled).toEqual([])
  }, 1_800_000)
})
