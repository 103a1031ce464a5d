// How the connection's state is told to tabs: a `connection` event with plain-data errors.
import type { EngineEvent, ErrorData } from './events.ts'
import type { ConnectionError, ConnectionState } from './machines/connection.ts'

export function connectionErrorData(error: ConnectionError): ErrorData {
  switch (error.kind) {
    case 'refused':
      return {
        kind: 'connect-refused',
        message: `the server refused the connection (HTTP ${error.status})`,
        retryable: ![401, 403, 404].includes(error.status),
      }
    case 'closed':
      return {
        kind: 'socket-closed',
        message: `socket closed: ${error.code}${error.reason ? ` (${error.reason})` : ''}`,
        retryable: true,
      }
    case 'heartbeat-timeout':
      return { kind: 'heartbeat-timeout', message: 'heartbeat timeout', retryable: true }
    case 'transport-error':
      return { kind: 'transport-error', message: error.message, retryable: true }
  }
}

/** The `connection` event for state `s` at time `now` (a wait for a retry is told as `retryInMs`). */
export function connectionEvent(s: ConnectionState, now: number): EngineEvent {
  switch (s.name) {
    case 'reconnecting': {
      const retryInMs = Math.max(0, s.retryAt - now)
      const error = connectionErrorData(s.lastError)
      return { type: 'connection', state: s.name, attempt: s.attempt, retryInMs, error }
    }
    case 'failed':
      return { type: 'connection', state: s.name, error: connectionErrorData(s.error) }
    case 'connecting':
      return { type: 'connection', state: s.name, attempt: s.attempt }
    case 'disconnected':
    case 'connected':
      return { type: 'connection', state: s.name }
  }
}
