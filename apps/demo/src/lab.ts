// The e2e lab page: one RealtimeClient per page, driven by Playwright through
// `window.lab`. Query: ?host=auto|shared-worker|worker|page|leader, ?realtime=<dev server URL>,
// ?noSharedWorker=1 (the page's SharedWorker removed before the client starts: a browser without one, issue #18).
// Every event a channel sees is recorded, so tests assert on `lab.events` instead of on
// timing; high-rate streams (`count`) are only counted: how many, sequence gaps, latency.
import { RealtimeClient, type RealtimeChannel, type RealtimeClientOptions } from '@shared-realtime/client'
import { anonKey, realtimeUrl } from './config.ts'

/** `at`: when the page saw it, epoch ms (performance.timeOrigin + now: the machine's clock, as the tests' Date.now()). */
type Recorded = { topic: string; kind: string; payload: unknown; at: number }
const now = () => Math.round(performance.timeOrigin + performance.now())

/** A counted stream: payloads `{ seq, t }` from the dev server's /admin/blast. */
interface Counter {
  received: number
  /** Messages whose seq was not the one after the previous (lost or reordered). */
  outOfOrder: number
  lastSeq: number
  /** Server send → callback here, ms (both clocks are this machine's: timeOrigin + now). */
  latencies: number[]
}

const query = new URLSearchParams(location.search)
// a browser without SharedWorker (Android Chrome before 148, WebViews): what 'auto' then picks is the leader tab
if (query.get('noSharedWorker') === '1') delete (globalThis as { SharedWorker?: unknown }).SharedWorker
const host = (query.get('host') ?? 'auto') as NonNullable<RealtimeClientOptions['host']>
const client = new RealtimeClient(realtimeUrl, { params: { apikey: anonKey }, host })
const events: Recorded[] = []
const channels = new Map<string, RealtimeChannel>()
const counters = new Map<string, Counter>()
const errors: string[] = []
window.addEventListener('unhandledrejection', (event) => errors.push(`unhandled rejection: ${String(event.reason)}`))

const lab = {
  client,
  events,
  counters,
  errors,
  /** Subscribes to `topic` (presence key `key`), resolving with the first status. Broadcasts of event `count` are counted, not recorded. */
  subscribe(topic: string, options: { self?: boolean; key?: string; count?: string } = {}): Promise<string> {
    const channel = client.channel(topic, {
      config: { broadcast: { self: options.self === true, ack: true }, presence: { key: options.key ?? '' } },
    })
    const counter: Counter = { received: 0, outOfOrder: 0, lastSeq: -1, latencies: [] }
    if (options.count) counters.set(topic, counter)
    channel
      .on('broadcast', { event: '*' }, (message: { event?: string; payload?: { seq?: number; t?: number } }) => {
        if (message.event !== options.count || !options.count)
          return void events.push({ topic, kind: 'broadcast', payload: message, at: now() })
        const received = performance.timeOrigin + performance.now()
        const { seq = -1, t } = message.payload ?? {}
        counter.received++
        if (seq !== counter.lastSeq + 1) counter.outOfOrder++
        counter.lastSeq = seq
        if (typeof t === 'number') counter.latencies.push(received - t)
      })
      .on('presence', { event: 'sync' }, () =>
        events.push({ topic, kind: 'presence-sync', payload: channel.presenceState(), at: now() }),
      )
      .on('system', {}, (payload) => events.push({ topic, kind: 'system', payload, at: now() }))
    channels.set(topic, channel)
    return new Promise((resolve) =>
      channel.subscribe((status, error) => {
        events.push({ topic, kind: 'status', payload: status, at: now() })
        // a typed error (RealtimeError) as data: which kind the tab was told
        if (error)
          events.push({
            topic,
            kind: 'status-error',
            payload: { status, kind: (error as { kind?: string }).kind },
            at: now(),
          })
        resolve(status)
      }),
    )
  },
  /** Removes the channel of `topic` (and its count). */
  async unsubscribe(topic: string): Promise<string | undefined> {
    const channel = channels.get(topic)
    channels.delete(topic)
    counters.delete(topic)
    return channel ? await client.removeChannel(channel) : undefined
  },
  send(
    topic: string,
    event: string,
    payload: unknown,
    options: { durable?: boolean; timeout?: number } = {},
  ): Promise<unknown> {
    return channels.get(topic)!.send({ type: 'broadcast', event, payload }, options)
  },
  track(topic: string, payload: Record<string, unknown>): Promise<unknown> {
    return channels.get(topic)!.track(payload)
  },
  presence(topic: string): unknown {
    return channels.get(topic)?.presenceState()
  },
  inspect: () => client.inspect(),
  /** Counted streams as plain data (latencies summarised: p50/p99/max, ms). */
  counted(): Record<
    string,
    {
      received: number
      outOfOrder: number
      lastSeq: number
      p50: number | null
      p99: number | null
      max: number | null
    }
  > {
    const out: ReturnType<typeof lab.counted> = {}
    for (const [topic, c] of counters) {
      const sorted = c.latencies.toSorted((a, b) => a - b)
      const at = (q: number) =>
        sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : null
      out[topic] = {
        received: c.received,
        outOfOrder: c.outOfOrder,
        lastSeq: c.lastSeq,
        p50: at(0.5),
        p99: at(0.99),
        max: sorted.at(-1) ?? null,
      }
    }
    return out
  },
  /** Forgets the counts (a new measurement window). */
  resetCounts(): void {
    for (const c of counters.values()) Object.assign(c, { received: 0, outOfOrder: 0, lastSeq: -1, latencies: [] })
  },
}

declare global {
  interface Window {
    lab: typeof lab
    __realtime: RealtimeClient
  }
}
window.lab = lab
window.__realtime = client
// `client.host` is 'pending' until the client has attached: ready once it names the host in use
void client.inspect().then(() => {
  document.querySelector('#status')!.textContent = `ready (host ${client.host})`
})
