// What a failed token becomes on the wire, in the three places Realtime reports it: the HTTP answer
// to the WebSocket upgrade (UserSocket.handle_error/2, PROTOCOL.md §1.1), the join error reason
// (RealtimeChannel.join/3, §3.8) and the `system` message of a channel shutdown after an
// `access_token` push or the periodic re-check (handle_in("access_token") / handle_info(:confirm_token), §3.3).
import { inspectAtom } from './elixir-term.ts'
import { JWT_MESSAGES, type JwtErrorCode } from './verify.ts'

/** A verification failure; any `{ code, message }` from verifyToken() fits. */
export interface TokenFailure {
  readonly code: JwtErrorCode
  readonly message: string
}

export interface ConnectFailure {
  status: number
  body: { error: string }
}

/** Realtime's catch-all join reason (no code prefix). */
export const UNKNOWN_JOIN_ERROR = 'Unknown Error on Channel'

/**
 * The answer to a refused WebSocket upgrade: `'missing'` (no apikey) → 401 `API key is missing`;
 * expired (and an exp that rounds to now) → 401 `Token has expired`; missing role/exp, malformed,
 * bad signature, no signer → 401 with the message; UnknownErrorOnChannel → 500 `Error connecting to Realtime`.
 * (Realtime sleeps CONNECT_ERROR_BACKOFF_MS before answering; that is the caller's business.)
 */
export function connectFailure(failure: TokenFailure | 'missing'): ConnectFailure {
  if (failure === 'missing') return refuse(401, 'API key is missing')
  switch (failure.code) {
    case 'InvalidJWTToken':
      return refuse(
        401,
        failure.message === JWT_MESSAGES.missingClaims ? JWT_MESSAGES.missingClaims : 'Token has expired',
      )
    case 'MalformedJWT':
      return refuse(401, JWT_MESSAGES.malformed)
    case 'JwtSignatureError':
      return refuse(401, JWT_MESSAGES.badSignature)
    case 'JwtSignerError':
      return refuse(401, failure.message)
    case 'UnknownErrorOnChannel':
      return refuse(500, 'Error connecting to Realtime')
  }
}

/** The join error reason: `"<Code>: <message>"`, or `"Unknown Error on Channel"`. */
export function joinFailureReason(failure: TokenFailure): string {
  return failure.code === 'UnknownErrorOnChannel' ? UNKNOWN_JOIN_ERROR : `${failure.code}: ${failure.message}`
}

/**
 * The `message` of the `system` error pushed before `phx_close` when a new `access_token` or the
 * re-check timer finds the token bad: the message itself for expired, missing claims and malformed
 * tokens; otherwise Realtime prints the error term with `inspect/1`, so a bad signature reads
 * `":signature_error"`, a missing signer `":error_generating_signer"`, and an exp that rounds to now
 * `"0"` (the non-positive `exp - now`).
 */
export function shutdownMessage(failure: TokenFailure): string {
  switch (failure.code) {
    case 'InvalidJWTToken':
      return failure.message === JWT_MESSAGES.invalidExpiration ? '0' : failure.message
    case 'JwtSignatureError':
      return inspectAtom('signature_error')
    case 'JwtSignerError':
      return inspectAtom('error_generating_signer')
    case 'MalformedJWT':
    case 'UnknownErrorOnChannel':
      return failure.message
  }
}

const refuse = (status: number, error: string): ConnectFailure => ({ status, body: { error } })
