// How the connection's state is told to tabs: a `connection` event with plain-data errors.
import type { ErrorData } from './events.ts'
import type { ConnectionError } from './machines/connection.ts'

export function connectionErrorData(error: ConnectionError): ErrorData {
  switch (error.kind) {
    case 'refused':
      return { kind: 'connect-refused', message: `the server refused the connection (HTTP ${error.status})`, retryable: ![401, 403, 404].includes(error.status) }
    case 'closed':
      return { kind: 'socket-closed', message: `socket closed: ${error.code}${error.reason ? ` (${error.reason})` : ''}`, retryable: true }
    case 'heartbeat-timeout':
      return { kind: 'heartbeat-timeout', message: 'heartbeat timeout', retryable: true }
    case 'transport-error':
      return { kind: 'transport-error', message: error.message, retryable: true }
  }
}
