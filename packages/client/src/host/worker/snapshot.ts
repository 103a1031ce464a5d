// Runs in the worker: what one tab may see of its engine's snapshot (inspect(), DESIGN.md rule 13). Other tabs
// show only as figures: their ids never leave the worker.

import type { EngineSnapshot } from '@shared-realtime/engine'

/**
 * An engine's snapshot as one tab may see it: the other tabs' sessions keep their figures (subscriptions, queue
 * depth, drops) without their id, and a channel lists the other sessions on it as null.
 */
export function withoutOtherTabs(snapshot: EngineSnapshot, tabId: string) {
  return {
    ...snapshot,
    sessions: snapshot.sessions.map(({ id, ...figures }) => (id === tabId ? { id, ...figures } : figures)),
    channels: snapshot.channels.map((c) => ({ ...c, sessions: c.sessions.map((id) => (id === tabId ? id : null)) })),
  }
}
