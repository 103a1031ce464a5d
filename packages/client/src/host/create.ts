// Which host a client gets. Until the worker hosts land, every kind runs in the page.
import type { WebSocketLikeConstructor } from '@shared-realtime/engine'
import type { HostKind, HostLink } from './link.ts'
import { PageLink } from './page.ts'

export interface HostOptions {
  transport?: WebSocketLikeConstructor
  workerUrl?: string | URL
}

export function createHostLink(host: 'auto' | HostKind, options: HostOptions): HostLink {
  void host
  const transport = options.transport ?? (globalThis as { WebSocket?: WebSocketLikeConstructor }).WebSocket
  if (!transport) {
    throw new Error('No WebSocket is available here (e.g. Node < 22): pass `transport` (the `ws` package) to RealtimeClient')
  }
  return new PageLink(transport)
}
