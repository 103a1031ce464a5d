// The inspector: client.inspect() every second — host, worker instance, socket state,
// heartbeat RTT sparkline, channels with subscription counts, tabs, queues, counters.
import type { RealtimeClient } from '@shared-realtime/client'
import { errorMessage, h } from './dom.ts'
import { Sparkline } from './sparkline.ts'

// The shapes of WorkerSnapshot (client/src/host/protocol.ts) and Engine.inspect()
// (engine/src/engine.ts), read defensively: `engine` is `unknown` in the public type.
interface ChannelSnap {
  topic: string
  state: string
  subscriptions: number
  sessions?: number
  outbox?: { queued: number; waiting: number; durableWaiting?: number }
  presence?: { keys: number }
}
interface EngineSnap {
  connection?: { state: string; attempt?: number }
  clientId?: string | null
  heartbeat?: { state: string; lastRttMs?: number | null; recentRttMs?: number[] }
  token?: { present: boolean }
  /** Every session of the engine; only this tab's has its id. */
  sessions?: Array<{ id?: string; subscriptions: number; queueDepth: number; dropped: number }>
  channels?: ChannelSnap[]
  counters?: Record<string, number>
  durable?: { inFlight: number } | null
}
interface Snap {
  host: string
  /** Why the host is not the one asked for (the client also warned it once in the console). */
  fallback?: { wanted: string; reason: string }
  instance: string
  name?: string
  protocol?: number
  engine?: unknown
  /** This tab (the worker hosts); other tabs show only as tabCount. */
  tab?: { id: string; subscriptions: number } | null
  tabCount?: number
  /** The leader host (issue #18): which tab runs the engine, since when (epoch ms), and whether it is this one. */
  leader?: { tab: string; since: number; self: boolean }
}

export interface Inspector {
  /** A heartbeat round trip, from the client's heartbeatCallback. */
  rtt(ms: number): void
}

/** "this tab since 12:01:03" / "tab ab12cd34… since 12:01:03": who leads, in the inspector's words. */
export function leaderText(leader: { tab: string; since: number; self: boolean }): string {
  const since = new Date(leader.since).toLocaleTimeString([], { hour12: false })
  return `${leader.self ? 'this tab' : `tab ${leader.tab.slice(0, 8)}…`} since ${since}`
}

function fill(dl: HTMLElement, rows: Array<[string, string]>): void {
  dl.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { class: 'mono' }, v)]))
}

/** `onTabs`: told the number of tabs attached to the shared engine after each snapshot. */
export function mountInspector(
  root: HTMLElement,
  client: RealtimeClient,
  onTabs: (n: number) => void = () => undefined,
): Inspector {
  const spark = new Sparkline('Heartbeat round-trip time, last 30 values')
  const rttText = h('span', { class: 'mono' }, '–')
  const sockets = h('strong', { class: 'sockets', 'data-testid': 'sockets' }, 'sockets: –')
  const facts = h('dl', { class: 'facts' })
  const channels = h('table', { class: 'channels' })
  const counters = h('dl', { class: 'facts counters' })
  const error = h('p', { class: 'form-error', role: 'alert' })
  root.replaceChildren(
    h('h2', {}, 'Inspector ', sockets),
    facts,
    h(
      'div',
      { class: 'rtt' },
      h('span', {}, 'Heartbeat RTT '),
      rttText,
      spark.el,
      h('span', { class: 'muted hint' }, 'one beat every 25 s'),
    ),
    h('h3', {}, 'Channels'),
    channels,
    h('h3', {}, 'Counters'),
    counters,
    error,
  )
  root.dataset.testid = 'inspector'
  let lastRtt: number | null = null

  function rtt(ms: number): void {
    lastRtt = ms
    spark.push(ms)
    rttText.textContent = `${Math.round(ms)} ms`
  }

  function render(snap: Snap): void {
    const engine = (snap.engine ?? {}) as EngineSnap
    const state = engine.connection?.state ?? 'unknown'
    const open = state === 'connected' ? 1 : 0
    sockets.textContent = `sockets: ${open}`
    sockets.dataset.count = String(open)
    const sessions = engine.sessions ?? []
    const tabs = snap.tabCount ?? sessions.length
    onTabs(tabs)
    const queued = sessions.reduce((n, s) => n + s.queueDepth, 0)
    const dropped = sessions.reduce((n, s) => n + s.dropped, 0)
    const outbox = (engine.channels ?? []).reduce((n, c) => n + (c.outbox?.queued ?? 0) + (c.outbox?.waiting ?? 0), 0)
    fill(facts, [
      ['host', snap.fallback ? `${snap.host} (not ${snap.fallback.wanted}: ${snap.fallback.reason})` : snap.host],
      ...(snap.leader ? [['leader', leaderText(snap.leader)] as [string, string]] : []),
      ['worker', snap.instance.slice(0, 8) + (snap.name ? ` (${snap.name})` : '')],
      ['socket', state + (engine.connection?.attempt ? ` #${engine.connection.attempt}` : '')],
      ['heartbeat', engine.heartbeat?.state ?? '–'],
      ['tabs attached', String(tabs)],
      ['tab queues', `${queued} queued · ${dropped} dropped`],
      ['outbox', `${outbox} pending${engine.durable ? ` · ${engine.durable.inFlight} durable` : ''}`],
      ['token', engine.token?.present ? 'set' : 'none'],
    ])
    const rows = (engine.channels ?? []).map((c) =>
      h(
        'tr',
        {},
        h('td', { class: 'mono' }, c.topic.replace(/^realtime:/, '')),
        h('td', {}, c.state),
        h('td', { class: 'num' }, String(c.subscriptions)),
      ),
    )
    channels.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', { scope: 'col' }, 'topic'),
          h('th', { scope: 'col' }, 'state'),
          h('th', { scope: 'col', class: 'num' }, 'subs'),
        ),
      ),
      h('tbody', {}, ...rows),
    )
    fill(
      counters,
      Object.entries(engine.counters ?? {}).map(([k, v]) => [k, String(v)]),
    )
    // a tab opened later starts with the round trips the shared engine already measured
    // (one per heartbeat interval, 25 s by default), not with an empty chart
    if (lastRtt === null) for (const ms of engine.heartbeat?.recentRttMs ?? []) if (typeof ms === 'number') rtt(ms)
  }

  let busy = false
  async function tick(): Promise<void> {
    if (busy) return
    busy = true
    try {
      render((await client.inspect()) as Snap)
      error.textContent = ''
    } catch (err) {
      error.textContent = `inspect() failed: ${errorMessage(err)}`
    } finally {
      busy = false
    }
  }
  void tick()
  setInterval(() => void tick(), 1000)
  client.onStatusChange(() => void tick()) // the socket's state shows at once, not up to a second late
  return { rtt }
}
