// Runs in the tab. Names realtime-js 2.119 exports that the rest of this client does not need
// under those names: supabase-js re-exports all of realtime-js (`export * from
// '@supabase/realtime-js'`), so an app built against supabase-js with this client swapped in
// imports them from here (issue #15). Same shapes as realtime-js's; written from its documented
// types.

import type { PostgresChangesEvent } from '@shared-realtime/protocol'

/** What `channel.send()` resolves with (realtime-js keeps the string open for future answers). */
export type RealtimeChannelSendResponse = 'ok' | 'timed out' | 'error' | (string & {})

/** What `client.removeChannel()` resolves with. */
export type RealtimeRemoveChannelResponse = 'ok' | 'timed out' | 'error' | (string & {})

/** Broadcast persistence (realtime-js 2.119): `true`, or `{ ttl }` in seconds. */
export type RealtimeBroadcastPersist = boolean | { ttl?: number }

/** The filter of a postgres_changes binding: `event`, `schema`, optional `table` and `filter` (`column=op.value`, …). */
export type RealtimePostgresChangesFilter<T extends PostgresChangesEvent> = {
  event: T
  schema: string
  table?: string
  filter?: string
}

/** The WebSocket shape realtime-js accepts as a transport (the browser's WebSocket, `ws`, …). */
export interface WebSocketLike {
  readonly CONNECTING: number
  readonly OPEN: number
  readonly CLOSING: number
  readonly CLOSED: number
  readonly readyState: number
  readonly url: string
  readonly protocol: string
  close(code?: number, reason?: string): void
  send(data: string | ArrayBufferLike | Blob | ArrayBufferView): void
  // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
  onopen: ((this: any, ev: Event) => any) | null
  // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
  onmessage: ((this: any, ev: MessageEvent) => any) | null
  // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
  onclose: ((this: any, ev: CloseEvent) => any) | null
  // oxlint-disable-next-line typescript/no-explicit-any -- realtime-js's own signature
  onerror: ((this: any, ev: Event) => any) | null
  addEventListener(type: string, listener: EventListener): void
  removeEventListener(type: string, listener: EventListener): void
  binaryType?: string
  bufferedAmount?: number
  extensions?: string
  dispatchEvent?: (event: Event) => boolean
}

/** realtime-js's helper to find the runtime's WebSocket. Static only. */
export class WebSocketFactory {
  private constructor() {}

  /** The runtime's WebSocket constructor. @throws {Error} where there is none, saying what to do instead */
  static getWebSocketConstructor(): typeof WebSocket {
    const found = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket
    if (typeof found === 'function') return found
    const isNode = typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node
    throw new Error(
      isNode === 'string'
        ? 'WebSocket not supported in this environment: this Node.js has no global WebSocket. ' +
            "Pass one as the client's `transport` option (e.g. `ws`), or run Node.js 22 or later."
        : 'WebSocket not supported in this environment. Pass one as the client\u2019s `transport` option.',
    )
  }

  /** Whether the runtime has a WebSocket of its own. */
  static isWebSocketSupported(): boolean {
    return typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function'
  }
}

export default WebSocketFactory
