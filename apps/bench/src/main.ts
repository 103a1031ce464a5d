// A benchmark page: one client — @supabase/realtime-js, or this client with its engine in the
// SharedWorker or in this page — chosen by the query string, driven by scripts/bench.mjs through
// `window.bench`. Nothing here measures on its own: it subscribes, counts what it receives and
// records, per message, the latency from the dev server's send (`payload.t`, from
// performance.timeOrigin + performance.now() in the server process) to the callback here (the
// same expression in this page): one clock, the machine's.
//
//   index.html?client=realtime-js|shared-worker|page|none&url=<ws endpoint>&key=<anon key>[&hb=<heartbeat ms>]

import { Receiver, type BlastMessage } from './receiver.ts'

/** `none` loads no client: the baseline of the heap measurement. */
export type ClientKind = 'realtime-js' | 'shared-worker' | 'page' | 'none'

/** The part of the API both clients share that the bench uses. */
interface Channel {
  on(type: 'broadcast', filter: { event: string }, callback: (message: BlastMessage) => void): Channel
  subscribe(callback: (status: string, error?: Error) => void): Channel
}
interface Client {
  channel(topic: string, options?: { config: Record<string, unknown> }): Channel
  /** this client only: reaches the engine (attaches the tab to the worker) */
  inspect?(): Promise<unknown>
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
}

declare global {
  interface Window {
    bench: BenchApi
    benchReady: Promise<void>
  }
}

const query = new URLSearchParams(location.search)
const kind = (query.get('client') ?? 'shared-worker') as ClientKind
const url = query.get('url') ?? ''
const key = query.get('key') ?? ''
const heartbeat = query.get('hb')
const options = {
  params: { apikey: key },
  vsn: '2.0.0' as const,
  ...(heartbeat ? { heartbeatIntervalMs: Number(heartbeat) } : {}),
}

async function createClient(): Promise<Client | undefined> {
  if (kind === 'none') return undefined
  if (kind === 'realtime-js') {
    const { RealtimeClient } = await import('@supabase/realtime-js')
    return new RealtimeClient(url, options) as unknown as Client
  }
  const { RealtimeClient } = await import('@shared-realtime/client')
  return new RealtimeClient(url, { ...options, host: kind }) as unknown as Client
}

const receiver = new Receiver(() => performance.timeOrigin + performance.now())

window.benchReady = createClient().then((client) => {
  window.bench = {
    kind,
    subscribe: (topic) =>
      new Promise((resolve, reject) => {
        if (!client) return reject(new Error('this page has no client (client=none)'))
        const channel = client.channel(topic, { config: { broadcast: { self: false, ack: false } } })
        channel.on('broadcast', { event: 'blast' }, receiver.onMessage)
        const started = performance.now()
        channel.subscribe((status, error) => {
          if (status === 'SUBSCRIBED') resolve(performance.now() - started)
          else if (status === 'CHANNEL_ERROR' || status === 'TIMED_OUT')
            reject(new Error(`${topic}: ${status} ${error?.message ?? ''}`))
        })
      }),
    attach: async () => {
      const started = performance.now()
      await client?.inspect?.()
      return performance.now() - started
    },
    reset: (capacity) => receiver.reset(capacity),
    waitFor: (count, timeoutMs) => receiver.waitFor(count, timeoutMs),
    latencies: () => receiver.latencies(),
  }
  document.querySelector('#status')!.textContent = `ready: ${kind}`
})
