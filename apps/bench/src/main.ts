// A benchmark page: one client — @supabase/realtime-js, or this client with its engine in the
// SharedWorker or in this page — driven by scripts/bench.mjs through `window.bench`. Each client has
// its page, which imports it statically as an app would (realtime-js.html, shared-realtime.html;
// none.html loads no client); this module is their shared part and runs first (each entry imports it
// before its client), so the probe and the leader's missing SharedWorker are in place before any
// client code. Nothing here measures on its own: it subscribes, counts what it receives and
// records, per message, the latency from the dev server's send (`payload.t`, from
// performance.timeOrigin + performance.now() in the server process) to the callback here (the
// same expression in this page): one clock, the machine's.
//
//   <page>.html?client=realtime-js|shared-worker|page|leader|none&url=<ws endpoint>&key=<anon key>
//     [&hb=<heartbeat ms>] [&topic=<topic>: subscribe at once, window.benchColdStart]
//     [&probe=1: count timer and event callbacks, window.benchProbe (probe.ts)]
//
// `leader`: this client with `host: 'leader'` (one tab holds the engine, the others reach it), and
// SharedWorker deleted from the page before the client is created, as on a platform without it.

import { installProbe, type ProbeCounts } from './probe.ts'
import { Receiver, type BlastMessage } from './receiver.ts'

/** `none` loads no client: the baseline of the heap measurement. */
export type ClientKind = 'realtime-js' | 'shared-worker' | 'page' | 'leader' | 'none'

/** The part of the API both clients share that the bench uses. */
interface Channel {
  on(type: 'broadcast', filter: { event: string }, callback: (message: BlastMessage) => void): Channel
  subscribe(callback: (status: string, error?: Error) => void): Channel
}
interface Client {
  channel(topic: string, options?: { config: Record<string, unknown> }): Channel
  /** this client only: reaches the engine (attaches the tab to the worker) */
  inspect?(): Promise<unknown>
  /** this client only: the host in use ('shared-worker', 'worker', 'page', …, or 'pending') */
  readonly host?: string
}

export interface BenchApi {
  readonly kind: ClientKind
  /** Subscribes to `topic` (listening to broadcast event `blast`); resolves with the ms from subscribe() to SUBSCRIBED. */
  subscribe(topic: string): Promise<number>
  /** This client: attaches the tab to its engine without subscribing (inspect()); resolves with the ms it took. */
  attach(): Promise<number>
  /** Forgets what was received; `capacity` latencies are kept. */
  reset(capacity: number): void
  /** Resolves when `count` messages have arrived or after `timeoutMs`, with the receiver's state. */
  waitFor(count: number, timeoutMs: number): Promise<ReturnType<Receiver['summary']>>
  /** The latencies recorded since the last reset (ms). */
  latencies(): number[]
  /** This client: the host in use (client.host); realtime-js: 'socket'. */
  host(): string
}

declare global {
  interface Window {
    bench: BenchApi
    benchReady: Promise<void>
    /** with `?topic=`: ms from navigation start (performance.timeOrigin) to SUBSCRIBED */
    benchColdStart: Promise<number>
    /** with `?probe=1`: timer and event callbacks run since the page loaded */
    benchProbe: ProbeCounts
    /** errors and unhandled rejections the page saw (the bench reads them; it enables no CDP domain to see them) */
    benchErrors: string[]
    /** with `?topic=`: ms from navigation start to the page's first `new SharedWorker` (the cold-start row's split) */
    benchSharedWorkerAt?: number
  }
}

const query = new URLSearchParams(location.search)
const kind = (query.get('client') ?? 'shared-worker') as ClientKind
window.benchErrors = []
window.addEventListener('error', (event) => window.benchErrors.push(String(event.message)))
window.addEventListener('unhandledrejection', (event) => window.benchErrors.push(String(event.reason)))
if (query.get('probe') === '1') window.benchProbe = installProbe()
if (kind === 'leader') Reflect.deleteProperty(window, 'SharedWorker')
else if (query.get('topic') && typeof SharedWorker === 'function') {
  // the cold-start row's split: when the client asked for its worker (a subclass: the client's `new` is unchanged)
  window.SharedWorker = class extends SharedWorker {
    constructor(...args: ConstructorParameters<typeof SharedWorker>) {
      window.benchSharedWorkerAt ??= performance.now()
      super(...args)
    }
  }
}
const url = query.get('url') ?? ''
const key = query.get('key') ?? ''
const heartbeat = query.get('hb')
export const clientOptions = {
  params: { apikey: key },
  vsn: '2.0.0' as const,
  ...(heartbeat ? { heartbeatIntervalMs: Number(heartbeat) } : {}),
}

/** Makes the page's client from the page's options (each entry passes its client's constructor). */
export type ClientFactory = (url: string, options: typeof clientOptions, kind: ClientKind) => Client

const receiver = new Receiver(() => performance.timeOrigin + performance.now())

const coldTopic = query.get('topic')

/** Creates the page's client (none without a factory) and installs `window.bench`. */
export function start(factory: ClientFactory | undefined): void {
  const client = kind === 'none' || !factory ? undefined : factory(url, clientOptions, kind)
  const subscribe = makeSubscribe(client)
  // cold start: subscribe as soon as the client exists, and note when SUBSCRIBED came
  if (coldTopic) window.benchColdStart = subscribe(coldTopic).then(() => performance.now())
  window.bench = {
    kind,
    subscribe,
    attach: async () => {
      const started = performance.now()
      await client?.inspect?.()
      return performance.now() - started
    },
    reset: (capacity) => receiver.reset(capacity),
    waitFor: (count, timeoutMs) => receiver.waitFor(count, timeoutMs),
    latencies: () => receiver.latencies(),
    host: () => (client ? (client.host ?? 'socket') : 'none'),
  }
  window.benchReady = Promise.resolve()
  document.querySelector('#status')!.textContent = `ready: ${kind}`
}

function makeSubscribe(client: Client | undefined): (topic: string) => Promise<number> {
  return (topic) =>
    new Promise((resolve, reject) => {
      if (!client) return reject(new Error('this page has no client (client=none)'))
      const channel = client.channel(topic, { config: { broadcast: { self: false, ack: false } } })
      channel.on('broadcast', { event: 'blast' }, receiver.onMessage)
      const started = performance.now()
      // a client that never answers fails the run instead of hanging it
      const deadline = setTimeout(() => reject(new Error(`${topic}: no SUBSCRIBED within 20 s`)), 20_000)
      channel.subscribe((status, error) => {
        clearTimeout(deadline)
        if (status === 'SUBSCRIBED') resolve(performance.now() - started)
        else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT')
          reject(new Error(`${topic}: ${status} ${error?.message ?? ''}`))
      })
    })
}
