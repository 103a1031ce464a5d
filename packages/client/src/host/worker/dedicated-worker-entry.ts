// Runs in the worker.
// The dedicated Worker's entry (host 'worker', where SharedWorker is missing): one tab, one
// worker, one socket, the same command surface, protocol and IndexedDB storage as the
// SharedWorker host. The worker global is typed narrowly (DOM and WebWorker typings conflict
// in one program).

import type { Endpoint } from 'comlink'
import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import { browserStorage } from '../idb-storage.ts'
import { type LocksLike, WorkerHost } from './worker-host.ts'

interface DedicatedWorkerScope extends Endpoint {
  readonly name: string
  readonly navigator: { readonly locks?: LocksLike }
  readonly WebSocket: WebSocketLikeConstructor
}

const scope = globalThis as unknown as DedicatedWorkerScope

new WorkerHost({
  kind: 'worker',
  transport: scope.WebSocket,
  locks: scope.navigator.locks,
  name: scope.name,
  storage: browserStorage(),
  // the worker's own console (the tab's logger cannot be called from here)
  logger: console,
}).expose(scope)
