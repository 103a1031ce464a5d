// RealtimeError: every error this client reports, with a `kind` and whether trying again
// can help. Errors from the engine cross a port as plain data ({kind, message, retryable})
// and are rebuilt here, so `instanceof RealtimeError` works in the tab.
import type { ErrorData } from '@shared-realtime/engine'

export class RealtimeError extends Error {
  override readonly name = 'RealtimeError'
  readonly kind: string
  readonly retryable: boolean

  constructor(kind: string, message: string, retryable: boolean, options?: { cause?: unknown }) {
    super(message, options)
    this.kind = kind
    this.retryable = retryable
  }

  static from(data: ErrorData): RealtimeError {
    return new RealtimeError(data.kind, data.message, data.retryable)
  }
}
