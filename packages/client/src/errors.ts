// Runs in the tab and in the worker. RealtimeError: the one error class of this client. Every
// error it reports has a `kind` from a closed list and says whether trying again can help.
// `instanceof` does not survive a port: the worker sends an error as data ({name, kind,
// message}: toData) and the tab rebuilds it (asRealtimeError); the engine reports its errors
// in events as ErrorData ({kind, message, retryable}), rebuilt by RealtimeError.from.

import type { ErrorData } from '@shared-realtime/engine'
import type { JoinErrorCode, ShutdownKind } from '@shared-realtime/protocol'

/** What a host reports about a command: the worker host in its replies, or the tab's link to it. */
export const HOST_ERROR_KINDS = [
  /** An argument or a port message is malformed; the message names it. */
  'bad-request',
  /** The tab and the worker speak different protocol versions. */
  'protocol-mismatch',
  /** The command needs an attached tab (attach first; after a worker restart the link re-attaches). */
  'not-attached',
  /** A push could not be queued: the channel's outbox is full. */
  'outbox-full',
  /**
   * A broadcast or presence payload over the engine's payload limit (EngineOptions.maxPayloadBytes,
   * under the server's): refused before it was sent or stored; the message names its size and the limit.
   */
  'payload-too-large',
  /**
   * setAuth(token): the server refused the token (bad signature, malformed, expired); the token in use
   * before stays in use for every channel, and only the caller hears of it.
   */
  'token-refused',
  /**
   * A token for another user than the engine's (setAuth): never used on that socket. The client moves to its new
   * identity's engine on its own; this reaches only a tab that sends such a token to an engine directly.
   */
  'identity-mismatch',
  /** The engine refused the command (the message says why). */
  'command-failed',
  /** The worker did not answer within the deadline; the link recovers on its own. */
  'host-timeout',
  /** No worker could be started or reached. */
  'host-unavailable',
] as const
export type HostErrorKind = (typeof HOST_ERROR_KINDS)[number]

/** What the engine reports in `status` and `connection` events (its ErrorData kinds). */
export type EngineErrorKind =
  | `join-refused:${JoinErrorCode}`
  | 'join-timeout'
  | 'socket-closed'
  | 'server-error'
  | `closed:${ShutdownKind}`
  | 'subscription-conflict'
  /**
   * The channel is already joined by this user, in this browser, with another presence key: one channel has one
   * presence key (give every tab and client of a user the same key, or none).
   */
  | 'presence-key-conflict'
  /** One topic more than the socket may join (EngineOptions.maxChannels, the server's max_channels_per_client). */
  | 'too-many-channels'
  | 'connect-refused'
  | 'heartbeat-timeout'
  | 'transport-error'

export type RealtimeErrorKind =
  | HostErrorKind
  | EngineErrorKind
  /** A channel's subscribe that its host did not take (the channel's CHANNEL_ERROR, retryable). */
  | 'host-error'
  /** Anything else: what the in-page engine throws (it has no replies to carry a kind). */
  | 'error'

/** An error as plain data: what crosses a port (instanceof does not). */
export interface RealtimeErrorData {
  name: 'RealtimeError'
  kind: RealtimeErrorKind
  message: string
}

/** Kinds where trying again can help (the link is recovering, or a worker may start later). */
const RETRYABLE: ReadonlySet<RealtimeErrorKind> = new Set(['host-timeout', 'host-unavailable', 'not-attached'])

export class RealtimeError extends Error {
  override readonly name = 'RealtimeError'
  readonly kind: RealtimeErrorKind
  readonly retryable: boolean

  /** `retryable` defaults to what the kind says (host-timeout, host-unavailable and not-attached are). */
  constructor(
    kind: RealtimeErrorKind,
    message: string,
    retryable = RETRYABLE.has(kind),
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.kind = kind
    this.retryable = retryable
  }

  /** An error the engine reported in an event. */
  static from(data: ErrorData): RealtimeError {
    return new RealtimeError(data.kind as EngineErrorKind, data.message, data.retryable)
  }

  toData(): RealtimeErrorData {
    return { name: this.name, kind: this.kind, message: this.message }
  }
}

const HOST_KINDS: ReadonlySet<unknown> = new Set(HOST_ERROR_KINDS)

/** The engine's refusals, by their class's name (the engine throws them; a command reply carries the kind). */
const ENGINE_REFUSALS: Readonly<Record<string, HostErrorKind>> = {
  OutboxFullError: 'outbox-full',
  PayloadTooLargeError: 'payload-too-large',
  TokenRefusedError: 'token-refused',
  IdentityMismatchError: 'identity-mismatch',
}

/** The kind of an error the engine threw to refuse a command, if it is one of its refusals. */
export function engineRefusalKind(error: unknown): HostErrorKind | undefined {
  const name = error instanceof Error ? error.name : undefined
  return name !== undefined && Object.hasOwn(ENGINE_REFUSALS, name) ? ENGINE_REFUSALS[name] : undefined
}

/**
 * Any thrown value as a RealtimeError: itself; one rebuilt from what a worker sent (a reply's
 * error data, or Comlink's rebuilt Error, named 'RealtimeError' with a host kind); else an
 * error of kind `fallback` with the value's message.
 */
export function asRealtimeError(error: unknown, fallback: RealtimeErrorKind = 'error'): RealtimeError {
  if (error instanceof RealtimeError) return error
  const e = error as { name?: unknown; kind?: unknown; message?: unknown } | null
  if (typeof e === 'object' && e !== null && e.name === 'RealtimeError' && HOST_KINDS.has(e.kind)) {
    return new RealtimeError(e.kind as HostErrorKind, String(e.message), undefined, { cause: error })
  }
  const message = error instanceof Error ? error.message : String(error)
  return new RealtimeError(engineRefusalKind(error) ?? fallback, message, undefined, { cause: error })
}
