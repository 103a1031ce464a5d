// Runs in the worker.
// The leader host's entry (host 'leader', decision 78): a dedicated Worker owned by the tab the origin's tabs elected
// (../tab/leader.ts), serving every tab of the origin as the SharedWorker does (leader-serve.ts). The worker dies
// with its tab: its life-lock then comes free and every tab's link recovers to the next leader (DESIGN.md rule 8).

import { type LeaderWorkerScope, serveLeader } from './leader-serve.ts'

serveLeader(globalThis as unknown as LeaderWorkerScope)
