// One line per event, with a level; quiet in tests (log: 'silent' or 'error'). A message may be a
// function: it is called only when the level prints it, so a line that costs something to build
// (a frame's text) costs nothing at the levels that drop it; a function that throws logs why instead.
import type { LogLevel } from './options.ts'

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

export type LogMessage = string | (() => string)

export interface Logger {
  error(message: LogMessage): void
  warn(message: LogMessage): void
  info(message: LogMessage): void
  debug(message: LogMessage): void
  /** Whether lines of this level are printed. */
  enabled(level: Exclude<LogLevel, 'silent'>): boolean
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line)): Logger {
  const enabled = (wanted: Exclude<LogLevel, 'silent'>) => ORDER[level] >= ORDER[wanted]
  const at = (wanted: Exclude<LogLevel, 'silent'>) => (message: LogMessage) => {
    if (!enabled(wanted)) return
    let text: string
    try {
      text = typeof message === 'function' ? message() : message
    } catch (error) {
      text = `(log line failed: ${error instanceof Error ? error.message : String(error)})`
    }
    write(`${new Date().toISOString()} ${wanted.padEnd(5)} ${text}`)
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), enabled }
}
