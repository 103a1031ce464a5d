// Runs in the tab.
// How a tab reaches a worker: the SharedWorker or the dedicated Worker, created with the
// static form Vite bundles (`new SharedWorker(new URL('<literal>', import.meta.url),
// { type: 'module', name: '<literal>' })`: no variables in it, or Vite leaves the URL alone).
// The name literal must equal WORKER_NAME (../protocol.ts); the worker reports its
// name in inspect() and the tests compare them. `workerUrl` replaces the bundled entry
// (an app serving a prebuilt worker file).
// A worker that fails to load says why when the cause is known: Vite 5–7's dev server
// pre-bundles the package into node_modules/.vite/deps/, where the worker file does not exist
// (the request 404s); the error names the `optimizeDeps.exclude` fix (VITE_DEPS_HINT, vite-hint.ts).

import type { Endpoint } from 'comlink'
import { WORKER_NAME } from '../protocol.ts'
import { failure, scriptUrl } from './spawn-failure.ts'

export interface WorkerSpawn {
  /** Where Comlink talks: the SharedWorker's port, or the Worker itself. */
  readonly endpoint: Endpoint
  /** Resolves with an Error if the worker fails to load or start (never rejects). */
  readonly failed: Promise<Error>
  /** Lets go of the worker: closes the port (SharedWorker) or terminates it (Worker). */
  dispose(): void
  /**
   * Resolves when the far side closed the connection after it opened (the leader host's relay: the leader tab stepped
   * down, e.g. as its page was being frozen, when its worker's lock may stay held): the Supervisor recovers at once
   * instead of at the next command's deadline. The worker hosts have none: their worker's lock tells.
   */
  readonly closed?: Promise<void>
}

export type Spawner = () => WorkerSpawn

/** A port to the origin's SharedWorker (started by the first tab, shared by the others). */
export function spawnSharedWorker(workerUrl?: string | URL): WorkerSpawn {
  const worker = workerUrl
    ? new SharedWorker(workerUrl, { type: 'module', name: WORKER_NAME, extendedLifetime: true })
    : new SharedWorker(new URL('../worker/shared-worker-entry.ts', import.meta.url), {
        type: 'module',
        name: 'shared-realtime-v6',
        extendedLifetime: true,
      })
  return {
    endpoint: worker.port,
    failed: failure(worker, 'SharedWorker', scriptUrl(workerUrl)),
    dispose: () => worker.port.close(),
  }
}

/** A dedicated Worker of this tab. */
export function spawnDedicatedWorker(workerUrl?: string | URL): WorkerSpawn {
  const worker = workerUrl
    ? new Worker(workerUrl, { type: 'module', name: WORKER_NAME })
    : new Worker(new URL('../worker/dedicated-worker-entry.ts', import.meta.url), {
        type: 'module',
        name: 'shared-realtime-v6',
      })
  return {
    endpoint: worker,
    failed: failure(worker, 'Worker', scriptUrl(workerUrl)),
    dispose: () => worker.terminate(),
  }
}
