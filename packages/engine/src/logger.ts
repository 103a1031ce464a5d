// Logging, injected. realtime-js's `logger(kind, msg, data)` option adapts to this.
export interface Logger {
  debug(message: string, data?: unknown): void
  info(message: string, data?: unknown): void
  warn(message: string, data?: unknown): void
  error(message: string, data?: unknown): void
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} }

/** A logger that keeps every line, for tests (assert on lines instead of spying on the console). */
export class TestLogSink implements Logger {
  readonly lines: Array<{ level: 'debug' | 'info' | 'warn' | 'error'; message: string; data?: unknown }> = []
  debug(message: string, data?: unknown) {
    this.lines.push({ level: 'debug', message, data })
  }
  info(message: string, data?: unknown) {
    this.lines.push({ level: 'info', message, data })
  }
  warn(message: string, data?: unknown) {
    this.lines.push({ level: 'warn', message, data })
  }
  error(message: string, data?: unknown) {
    this.lines.push({ level: 'error', message, data })
  }
}
