// Who is subscribed to what, across every socket, and delivery to them ("fastlane":
// frames with no join_ref and no ref, encoded once per serializer version).
// Public and private channels of one name are separate namespaces (PROTOCOL.md §3.1):
// nothing crosses between them.

import type { Frame, Message } from '@shared-realtime/protocol'
import type { ChannelSession } from './channel.ts'

export type Namespace = 'public' | 'private'

export class Hub {
  readonly #topics = new Map<string, Set<ChannelSession>>()

  static key(namespace: Namespace, topic: string): string {
    return `${namespace}:${topic}`
  }

  add(session: ChannelSession): void {
    let members = this.#topics.get(session.hubKey)
    if (!members) this.#topics.set(session.hubKey, (members = new Set()))
    members.add(session)
  }

  remove(session: ChannelSession): void {
    const members = this.#topics.get(session.hubKey)
    if (!members) return
    members.delete(session)
    if (members.size === 0) this.#topics.delete(session.hubKey)
  }

  members(key: string): ReadonlySet<ChannelSession> {
    return this.#topics.get(key) ?? new Set()
  }

  get topicCount(): number {
    return this.#topics.size
  }

  get channelCount(): number {
    let n = 0
    for (const members of this.#topics.values()) n += members.size
    return n
  }

  /**
   * Sends `message` to every member for which `accept` is true. Each serializer version
   * encodes once. Returns how many members received it.
   */
  deliver(
    key: string,
    message: Message,
    options: { binary?: boolean; accept?: (s: ChannelSession) => boolean } = {},
  ): number {
    const encoded = new Map<string, Frame | null>()
    let delivered = 0
    for (const session of this.members(key)) {
      if (options.accept && !options.accept(session)) continue
      const { connection } = session
      let frame = encoded.get(connection.vsn)
      if (frame === undefined) {
        frame = connection.tryEncode(message, options.binary)
        encoded.set(connection.vsn, frame)
      }
      if (frame === null) continue // this version cannot carry it (binary on V1): dropped, as Supabase does
      connection.sendFrame(frame)
      delivered++
    }
    return delivered
  }
}
