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

/** Any error from a host (a worker's HostError arrives as plain data) as a RealtimeError. */
export function toRealtimeError(error: unknown): RealtimeError {
  if (error instanceof RealtimeError) return error
  if (typeof error === 'object' && error !== null && typeof (error as { kind?: unknown }).kind === 'string') {
    const e = error as { kind: string; message?: unknown; retryable?: unknown }
    return new RealtimeError(e.kind, String(e.message ?? e.kind), e.retryable === true, { cause: error })
  }
  if (error instanceof Error) return new RealtimeError('error', error.message, false, { cause: error })
  return new RealtimeError('error', String(error), false, { cause: error })
}

/** The same link, with every rejection turned into a RealtimeError (instanceof works in the tab). */
export function withRealtimeErrors<T extends object>(target: T): T {
  return new Proxy(target, {
    get(object, property) {
      const value: unknown = Reflect.get(object, property)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => {
        try {
          const result: unknown = value.apply(object, args)
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(toRealtimeError(error))) : result
        } catch (error) {
          throw toRealtimeError(error)
        }
      }
    },
  })
}
