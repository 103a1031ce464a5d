// The floor's SharedWorker (floor.ts): one socket, each frame decoded once, and per subscribed tab one post per task
// with the events of that task (a microtask after the frames that arrived in it), a hidden tab's held up to 1 s and
// posted together. Phoenix V2 JSON frames only; bench only. The mark is the cold-start row's split, as in this
// client's entry (scripts/bench.mjs).
/* oxlint-disable unicorn/prefer-add-event-listener, unicorn/require-post-message-target-origin -- the floor uses the
   fewest calls (one handler per port and socket), and its posts go to MessagePorts, not windows */
performance.mark('shared-realtime:worker-started')

// DOM and WebWorker typings conflict in one program: the one global used here, typed narrowly
const scope = globalThis as unknown as {
  onconnect: ((event: { readonly ports: readonly MessagePort[] }) => void) | null
}

interface Tab {
  port: MessagePort
  hidden: boolean
  topics: Set<string>
  held: Map<string, unknown[]>
  timer: ReturnType<typeof setTimeout> | undefined
  /** a flush at the end of this task is queued (a visible tab) */
  soon: boolean
}
type FromTab = ['join', string, string] | ['hidden', boolean]

const HOLD_MS = 1000
const tabs = new Set<Tab>()
/** topic → its join ref, and whether the server has answered it */
const joins = new Map<string, { ref: string; joined: boolean }>()
let socket: WebSocket | undefined
let nextRef = 1

function send(frame: unknown[]): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(frame))
}

function join(topic: string): void {
  const ref = String(nextRef++)
  joins.set(topic, { ref, joined: false })
  const config = { broadcast: { self: false, ack: false }, presence: { key: '', enabled: false }, postgres_changes: [] }
  send([ref, ref, `realtime:${topic}`, 'phx_join', { config, private: false }])
}

function open(url: string): void {
  socket = new WebSocket(url)
  socket.onopen = () => {
    for (const topic of joins.keys()) join(topic)
    setInterval(() => send([null, String(nextRef++), 'phoenix', 'heartbeat', {}]), 25_000)
  }
  socket.onmessage = ({ data }: MessageEvent<string>) => {
    if (typeof data !== 'string') return
    const [, ref, fullTopic, event, payload] = JSON.parse(data) as [unknown, string, string, string, unknown]
    const topic = fullTopic.slice('realtime:'.length)
    if (event === 'phx_reply') {
      const entry = joins.get(topic)
      if (entry && entry.ref === ref && !entry.joined) {
        entry.joined = true
        for (const tab of tabs) if (tab.topics.has(topic)) tab.port.postMessage(['subscribed', topic])
      }
      return
    }
    if (event !== 'broadcast') return
    for (const tab of tabs) {
      if (!tab.topics.has(topic)) continue
      const held = tab.held.get(topic)
      if (held) held.push(payload)
      else tab.held.set(topic, [payload])
      if (tab.hidden) tab.timer ??= setTimeout(() => flush(tab), HOLD_MS)
      else if (!tab.soon) {
        tab.soon = true
        queueMicrotask(() => flush(tab))
      }
    }
  }
}

function flush(tab: Tab): void {
  clearTimeout(tab.timer)
  tab.timer = undefined
  tab.soon = false
  for (const [topic, events] of tab.held) tab.port.postMessage(['events', topic, events])
  tab.held.clear()
}

scope.onconnect = ({ ports: [port] }) => {
  if (!port) return
  const tab: Tab = { port, hidden: false, topics: new Set(), held: new Map(), timer: undefined, soon: false }
  tabs.add(tab)
  port.onmessage = ({ data }: MessageEvent<FromTab>) => {
    if (data[0] === 'hidden') {
      tab.hidden = data[1]
      if (!tab.hidden) flush(tab)
      return
    }
    const [, url, topic] = data
    tab.topics.add(topic)
    if (!socket) open(url)
    const entry = joins.get(topic)
    if (entry?.joined) port.postMessage(['subscribed', topic])
    else if (!entry) join(topic)
  }
}
