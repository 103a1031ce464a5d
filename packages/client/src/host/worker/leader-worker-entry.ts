// Runs in the worker.
// The leader host's entry (host 'leader', decision 77): a dedicated Worker owned by the tab the origin's tabs elected
// (../tab/leader.ts), serving every tab of the origin as the SharedWorker does. The leader tab posts it one
// MessagePort per tab connection (its own and, bridged, each follower's: `{ type: 'connect' }` with the port), and
// once `{ type: 'leader', tab, since }` so that inspect() can say which tab leads. Anything else is counted and
// dropped. The worker dies with its tab: its life-lock then comes free and every tab's link recovers to the next
// leader (DESIGN.md rule 8). The worker global is typed narrowly (DOM and WebWorker typings conflict).

import { isRecord } from '@shared-realtime/protocol'
import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import { browserStorage } from '../idb-storage.ts'
import { type LocksLike, WorkerHost } from './worker-host.ts'

interface LeaderWorkerScope {
  readonly name: string
  readonly navigator: { readonly locks?: LocksLike }
  readonly WebSocket: WebSocketLikeConstructor
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
}

const scope = globalThis as unknown as LeaderWorkerScope

let leader: { tab: string; since: number } | undefined
let dropped = 0

const host = new WorkerHost({
  kind: 'leader',
  transport: scope.WebSocket,
  locks: scope.navigator.locks,
  name: scope.name,
  storage: browserStorage(),
  // the worker's own console (a tab's logger cannot be called from here)
  logger: console,
  leader: () => leader,
})

scope.addEventListener('message', (event) => {
  const data: unknown = event.data
  const port = event.ports[0]
  if (isRecord(data) && data.type === 'connect' && port) return host.expose(port)
  if (isRecord(data) && data.type === 'leader' && typeof data.tab === 'string' && typeof data.since === 'number') {
    leader = { tab: data.tab, since: data.since }
    return
  }
  for (const p of event.ports) p.close()
  console.warn(`shared-realtime leader worker: dropped a malformed message (${++dropped} so far)`)
})
