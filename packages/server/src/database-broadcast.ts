// Broadcast from the database: rows of realtime.messages (realtime.send, send_binary,
// broadcast_changes, or a plain insert) reach the topic's subscribers at commit, as Supabase
// Realtime delivers them from its replication slot: event and payload as written, `meta.id` =
// the row's id, private rows to private channels only (with broadcast read; replay reads them
// back from the table, ctx.storedMessages),
// bytea payloads as binary (kind-4) frames. Oversized payloads are dropped and logged
// (Realtime's validate_payload_size).

import type { Context } from './context.ts'
import type { Database, DatabaseMessage } from './postgres/index.ts'
import { publish } from './publish.ts'

export function broadcastFromDatabase(ctx: Context, db: Pick<Database, 'onMessage'>): () => void {
  return db.onMessage((message: DatabaseMessage) => {
    const size = message.binary ? message.binary.byteLength : Buffer.byteLength(JSON.stringify(message.payload) ?? '')
    if (size > ctx.options.limits.maxPayloadBytes) {
      ctx.log.error(`UnableToBroadcastChanges: payload of ${size} bytes on ${message.topic} exceeds the limit`)
      return
    }
    publish(ctx, {
      topic: message.topic,
      event: message.event,
      private: message.private,
      id: message.id,
      store: false,
      ...(message.binary ? { payload: message.binary, binary: true } : { payload: message.payload, binary: false }),
    })
  })
}
