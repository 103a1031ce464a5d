// A broadcast that does not come from a channel (REST, or a row of realtime.messages written by
// realtime.send and friends): stored for replay when private, then delivered to every member
// of the topic with broadcast read, skipping channels that already got it by replay.
// Frame: [null, null, "realtime:<topic>", "broadcast", {event, payload, type, meta?: {id}}]
// (binary: a kind-4 frame; PROTOCOL.md §1.4, §3.5).

import type { Message } from '@shared-realtime/protocol'
import type { Context } from './context.ts'
import { Hub } from './hub.ts'

export interface Outgoing {
  /** The sub-topic, without "realtime:". */
  topic: string
  event: string
  payload: unknown
  private: boolean
  id?: string
  binary: boolean
  /** Keep a private message for replay in memory (default true; rows of realtime.messages are replayed from there). */
  store?: boolean
}

/** Returns how many channels received it. */
export function publish(ctx: Context, item: Outgoing): number {
  const hubKey = Hub.key(item.private ? 'private' : 'public', `realtime:${item.topic}`)
  let id = item.id
  if (item.private && item.store !== false)
    id = ctx.messages.store(hubKey, {
      event: item.event,
      payload: item.payload,
      binary: item.binary,
      ...(id ? { id } : {}),
    }).id
  const payload: Record<string, unknown> = { event: item.event, payload: item.payload, type: 'broadcast' }
  if (id !== undefined) payload.meta = { id }
  const message: Message = { join_ref: null, ref: null, topic: `realtime:${item.topic}`, event: 'broadcast', payload }
  const delivered = ctx.hub.deliver(hubKey, message, {
    binary: item.binary,
    accept: (s) => s.permissions.broadcast.read && !s.alreadyReplayed(id),
  })
  ctx.eventRate.add(1 + delivered)
  return delivered
}
