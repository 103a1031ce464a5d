// Fault injection for tests (POST /admin/faults, only with --admin and the service_role
// key). Persistent faults live here and are read by connections and joins; one-shot
// faults (drop sockets, expire tokens, malformed frames) are actions in admin.ts.

export class Faults {
  /** 'ignore' withholds heartbeat replies, so clients see heartbeat timeouts. */
  heartbeats: 'answer' | 'ignore' = 'answer'
  /** Delay every join, or refuse every join with a reason, e.g. "RealtimeRestarting: …". */
  joins: { delayMs: number; refuse?: string } = { delayMs: 0 }

  reset(): void {
    this.heartbeats = 'answer'
    this.joins = { delayMs: 0 }
  }
}
