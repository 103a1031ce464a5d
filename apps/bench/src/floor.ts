// The floor page (floor.html, `client=floor`): not a client, but the least a client with its socket in a
// SharedWorker has to do, to show which part of a row the architecture costs (starting a SharedWorker, a thread and
// process hop per event, a second isolate) and which part is this client's own code. Its worker (floor-worker.ts)
// holds one socket, decodes each frame once and posts each subscribed tab the event; a hidden tab's events wait up to
// 1 s and go in one post, as this client's default (hiddenBatchMs). It has none of what a client needs: no errors,
// no rejoin, no auth, no acks, no presence, no reconnect. Bench only.
/* oxlint-disable unicorn/prefer-add-event-listener, unicorn/require-post-message-target-origin -- the floor uses the
   fewest calls (one handler per port and socket), and its posts go to MessagePorts, not windows */
import { start, type ClientFactory } from './main.ts'
import type { BlastMessage } from './receiver.ts'

type ToTab = ['subscribed', string] | ['events', string, BlastMessage[]]

const create: ClientFactory = (url, options) => {
  const worker = new SharedWorker(new URL('./floor-worker.ts', import.meta.url), {
    type: 'module',
    name: 'floor',
    extendedLifetime: true,
  } as WorkerOptions)
  const port = worker.port
  const socketUrl = `${url}/websocket?${new URLSearchParams({ ...options.params, vsn: options.vsn })}`
  /** per topic: its broadcast listeners (event → callback) and its subscribe callback */
  const topics = new Map<string, { on: Map<string, (m: BlastMessage) => void>; status?: (s: string) => void }>()
  port.onmessage = ({ data }: MessageEvent<ToTab>) => {
    const topic = topics.get(data[1])
    if (!topic) return
    if (data[0] === 'subscribed') return topic.status?.('SUBSCRIBED')
    for (const message of data[2]) topic.on.get((message as BlastMessage & { event: string }).event)?.(message)
  }
  const visibility = () => port.postMessage(['hidden', document.visibilityState === 'hidden'])
  document.addEventListener('visibilitychange', visibility)
  visibility()
  return {
    channel(topic) {
      const entry: { on: Map<string, (m: BlastMessage) => void>; status?: (s: string) => void } = { on: new Map() }
      topics.set(topic, entry)
      const channel = {
        on(_type: 'broadcast', filter: { event: string }, callback: (m: BlastMessage) => void) {
          entry.on.set(filter.event, callback)
          return channel
        },
        subscribe(callback: (status: string) => void) {
          entry.status = callback
          port.postMessage(['join', socketUrl, topic])
          return channel
        },
      }
      return channel
    },
  }
}
start(create)
