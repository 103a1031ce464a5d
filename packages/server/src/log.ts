// One line per event, with a level; quiet in tests (log: 'silent' or 'error').
import type { LogLevel } from './options.ts'

const ORDER: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3, debug: 4 }

export interface Logger {
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => console.log(line)): Logger {
  const at = (wanted: Exclude<LogLevel, 'silent'>) => (message: string) => {
    if (ORDER[level] >= ORDER[wanted]) write(`${new Date().toISOString()} ${wanted.padEnd(5)} ${message}`)
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}
