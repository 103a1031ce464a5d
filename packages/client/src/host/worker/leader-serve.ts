// Runs in the worker: the leader host's worker (host 'leader', decision 78), as a function both entries can run:
// leader-worker-entry.ts (the bundled one) and shared-worker-entry.ts when it is started as a dedicated Worker (an
// app that serves one prebuilt worker file as `workerUrl`). The leader tab posts it one MessagePort per tab
// connection (`{ type: 'connect' }` with the port: its own and, bridged, each follower's), served as the SharedWorker
// serves a tab's port, and once `{ type: 'leader', tab, since }` so that inspect() can say which tab leads. Anything
// else is counted and dropped. Once started it posts its tab `{ type: 'ready' }`. The worker global is typed
// narrowly (DOM and WebWorker typings conflict).

import { isRecord } from '@shared-realtime/protocol'
import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import { browserStorage } from '../idb-storage.ts'
import { type LocksLike, WorkerHost } from './worker-host.ts'

export interface LeaderWorkerScope {
  readonly name: string
  readonly navigator: { readonly locks?: LocksLike }
  readonly WebSocket: WebSocketLikeConstructor
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void
  postMessage(message: unknown): void
}

/** Serves the leader tab's ports in this dedicated Worker. */
export function serveLeader(scope: LeaderWorkerScope): void {
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

  // started: from now on an error event at the tab is an uncaught error in here, not a failure to start
  // oxlint-disable-next-line unicorn/require-post-message-target-origin -- the worker's own scope, not a window
  scope.postMessage({ type: 'ready' })
}
