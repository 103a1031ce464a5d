// One call to a token provider, with a deadline from the Clock. The answer never rejects: a
// throw, a garbage value, the deadline or stop() all become a 'failed' answer, and a provider
// that answers late is ignored (its promise is still handled, so nothing rejects unhandled).

import type { Clock, TimerId } from './clock.ts'

export type TokenProvider = () => Promise<string | null> | string | null

export type ProviderAnswer =
  | { kind: 'token'; token: string | null }
  | { kind: 'failed'; why: 'threw'; error: unknown }
  | { kind: 'failed'; why: 'garbage'; type: string }
  | { kind: 'failed'; why: 'timed out' | 'stopped' }

export interface ProviderCall {
  readonly answer: Promise<ProviderAnswer>
  /** Stops waiting: the answer becomes `failed: stopped` unless it has already settled. */
  stop(): void
}

/** A string is a token; null, undefined and '' mean "no token" (realtime-js treats them alike). */
export function readProviderValue(value: unknown): ProviderAnswer {
  if (typeof value === 'string' && value !== '') return { kind: 'token', token: value }
  if (value === null || value === undefined || value === '') return { kind: 'token', token: null }
  return { kind: 'failed', why: 'garbage', type: Array.isArray(value) ? 'array' : typeof value }
}

export function callProvider(provider: TokenProvider, clock: Clock, timeoutMs: number): ProviderCall {
  let resolve!: (answer: ProviderAnswer) => void
  const answer = new Promise<ProviderAnswer>((r) => {
    resolve = r
  })
  let timer: TimerId | null = null
  const finish = (result: ProviderAnswer): void => {
    if (timer !== null) clock.clearTimeout(timer)
    timer = null
    resolve(result)
  }
  timer = clock.setTimeout(() => {
    timer = null
    finish({ kind: 'failed', why: 'timed out' })
  }, timeoutMs)
  try {
    Promise.resolve(provider()).then(
      (value: unknown) => finish(readProviderValue(value)),
      (error: unknown) => finish({ kind: 'failed', why: 'threw', error }),
    )
  } catch (error) {
    finish({ kind: 'failed', why: 'threw', error })
  }
  return { answer, stop: () => finish({ kind: 'failed', why: 'stopped' }) }
}
