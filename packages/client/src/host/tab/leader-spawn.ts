// Runs in the tab, in the leader host's chunk (host 'leader', decision 78): the leader tab's dedicated Worker, created
// with the static form Vite bundles (no variables in it; see spawn.ts). The name literal must equal
// LEADER_WORKER_NAME (../protocol.ts). `workerUrl` replaces the bundled entry (an app serving prebuilt worker files
// passes the leader entry's URL as `leaderWorkerUrl`, else its `workerUrl` is tried: spawn.ts).

import { LEADER_WORKER_NAME } from '../protocol.ts'

/** The leader's worker: it serves every tab's port (`{ type: 'connect' }`, ../worker/leader-worker-entry.ts). */
export function spawnLeaderWorker(workerUrl?: string | URL): Worker {
  return workerUrl
    ? new Worker(workerUrl, { type: 'module', name: LEADER_WORKER_NAME })
    : new Worker(new URL('../worker/leader-worker-entry.ts', import.meta.url), {
        type: 'module',
        name: 'shared-realtime-leader-v6',
      })
}
