// Runs in the worker.
// The SharedWorker's entry: one WorkerHost for every tab of this origin (and this protocol
// version: the worker's name carries it). Each connecting tab's port gets its own command
// surface. Its engines keep the client id and the durable outbox in IndexedDB. DOM and
// WebWorker typings conflict in one program, so the few globals used here are typed
// narrowly instead of through the WebWorker lib. Started as a dedicated Worker (an app serving this one file as
// `workerUrl`, which a leader tab then starts), it is the leader host's worker (leader-serve.ts).

import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import { browserStorage } from '../idb-storage.ts'
import { type LeaderWorkerScope, serveLeader } from './leader-serve.ts'
import { type LocksLike, WorkerHost } from './worker-host.ts'

interface SharedWorkerScope {
  readonly name: string
  readonly navigator: { readonly locks?: LocksLike }
  readonly WebSocket: WebSocketLikeConstructor
  addEventListener(type: 'connect', listener: (event: { readonly ports: readonly MessagePort[] }) => void): void
}

const scope = globalThis as unknown as SharedWorkerScope

/** Started as a dedicated Worker (a leader tab's, with this file as its `workerUrl`): the leader host's worker. */
const dedicated = !('onconnect' in globalThis)
if (dedicated) serveLeader(globalThis as unknown as LeaderWorkerScope)

const host = dedicated
  ? undefined
  : new WorkerHost({
      kind: 'shared-worker',
      transport: scope.WebSocket,
      locks: scope.navigator.locks,
      name: scope.name,
      storage: browserStorage(),
      // the worker's own console (a tab's logger cannot be called from here)
      logger: console,
    })

scope.addEventListener('connect', (event) => {
  const port = event.ports[0]
  if (port) host?.expose(port)
})

// when this entry (and everything it imports) had been fetched, compiled and run: the cold-start row's split
// (scripts/bench.mjs, BENCHMARKS.md); one entry in the worker's performance timeline, nothing else
performance.mark('shared-realtime:worker-started')
