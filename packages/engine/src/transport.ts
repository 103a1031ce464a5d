// Transport: the WebSocket-like object the engine talks through. A browser's WebSocket,
// Node's `ws` and realtime-js's `WebSocketLikeConstructor` all fit. Adapters stay at the
// edge: this file only knows the shape, and how to read an HTTP refusal where the
// transport reports one (`ws` says "Unexpected server response: 401"; a browser says nothing).

export interface SocketCloseEvent {
  code: number
  reason: string
}

export interface SocketLike {
  binaryType: string
  readonly readyState: number
  send(data: string | ArrayBuffer): void
  close(code?: number, reason?: string): void
  onopen: ((event: unknown) => void) | null
  onclose: ((event: SocketCloseEvent) => void) | null
  onerror: ((event: unknown) => void) | null
  onmessage: ((event: { data: unknown }) => void) | null
}

export type WebSocketLikeConstructor = new (url: string, protocols?: string | string[]) => SocketLike

const REFUSED = /Unexpected server response: (\d{3})/

/** The HTTP status of a refused upgrade, when the transport's error says it. */
export function refusedStatus(event: unknown): number | undefined {
  const message =
    typeof event === 'object' && event !== null
      ? ((event as { message?: unknown; error?: { message?: unknown } }).message ??
        (event as { error?: { message?: unknown } }).error?.message)
      : undefined
  const match = typeof message === 'string' ? REFUSED.exec(message) : null
  return match ? Number(match[1]) : undefined
}

/** realtime-js's URL: `<endPoint>/websocket?<params>&vsn=<vsn>` (params first, vsn last). */
export function socketUrl(endPoint: string, params: Record<string, string>, vsn: string): string {
  const query = Object.entries({ ...params, vsn })
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&')
  return `${endPoint.replace(/\/+$/, '')}/websocket?${query}`
}
