// The e2e lab page: one RealtimeClient per page, driven by Playwright through
// `window.lab`. Query: ?host=auto|shared-worker|worker|page. Every event a channel sees
// is recorded, so tests assert on `lab.events` instead of on timing.
import { RealtimeClient, type RealtimeChannel } from '@shared-realtime/client'

type Recorded = { topic: string; kind: string; payload: unknown }

const query = new URLSearchParams(location.search)
const host = (query.get('host') ?? 'auto') as 'auto' | 'shared-worker' | 'worker' | 'page'
const client = new RealtimeClient(import.meta.env.VITE_REALTIME_URL as string, {
  params: { apikey: import.meta.env.VITE_REALTIME_ANON_KEY as string },
  host,
})
const events: Recorded[] = []
const channels = new Map<string, RealtimeChannel>()

const lab = {
  client,
  events,
  /** Subscribes to `topic` (presence key `key`), resolving with the first status. */
  subscribe(topic: string, options: { self?: boolean; key?: string } = {}): Promise<string> {
    const channel = client.channel(topic, { config: { broadcast: { self: options.self === true, ack: true }, presence: { key: options.key ?? '' } } })
    channel
      .on('broadcast', { event: '*' }, (payload) => events.push({ topic, kind: 'broadcast', payload }))
      .on('presence', { event: 'sync' }, () => events.push({ topic, kind: 'presence-sync', payload: channel.presenceState() }))
      .on('system', {}, (payload) => events.push({ topic, kind: 'system', payload }))
    channels.set(topic, channel)
    return new Promise((resolve) => channel.subscribe((status) => (events.push({ topic, kind: 'status', payload: status }), resolve(status))))
  },
  send(topic: string, event: string, payload: unknown): Promise<unknown> {
    return channels.get(topic)!.send({ type: 'broadcast', event, payload })
  },
  track(topic: string, payload: Record<string, unknown>): Promise<unknown> {
    return channels.get(topic)!.track(payload)
  },
  presence(topic: string): unknown {
    return channels.get(topic)?.presenceState()
  },
  inspect: () => client.inspect(),
}

declare global {
  interface Window {
    lab: typeof lab
    __realtime: RealtimeClient
  }
}
window.lab = lab
window.__realtime = client
document.querySelector('#status')!.textContent = `ready (host ${client.host})`
