// RealtimeError across the port: what the worker sends as data is rebuilt in the tab with
// its kind, message and retryable; anything else becomes the fallback kind.
import { describe, expect, test } from 'vitest'
import { asRealtimeError, RealtimeError } from './errors.ts'

describe('asRealtimeError', () => {
  test("rebuilds a worker's error data with its kind and the kind's retryable", () => {
    const error = asRealtimeError({ name: 'RealtimeError', kind: 'not-attached', message: 'attach first' }, 'command-failed')
    expect(error).toBeInstanceOf(RealtimeError)
    expect([error.name, error.kind, error.message, error.retryable]).toEqual(['RealtimeError', 'not-attached', 'attach first', true])
  })

  test("rebuilds Comlink's Error of a guard refusal (named RealtimeError, with a kind)", () => {
    const thrown = Object.assign(new Error('unknown command "x"'), { name: 'RealtimeError', kind: 'bad-request' })
    expect(asRealtimeError(thrown, 'command-failed')).toMatchObject({ kind: 'bad-request', message: 'unknown command "x"', retryable: false })
  })

  test('gives anything else the fallback kind, and keeps a RealtimeError as it is', () => {
    expect(asRealtimeError(new TypeError('cannot clone'), 'command-failed')).toMatchObject({ kind: 'command-failed', message: 'cannot clone' })
    expect(asRealtimeError({ name: 'RealtimeError', kind: 'no-such-kind', message: 'm' })).toMatchObject({ kind: 'error', retryable: false })
    expect(asRealtimeError('boom', 'host-unavailable')).toMatchObject({ kind: 'host-unavailable', message: 'boom', retryable: true })
    const same = new RealtimeError('outbox-full', 'full')
    expect(asRealtimeError(same)).toBe(same)
  })
})

describe('RealtimeError', () => {
  test('toData is what crosses the port, and rebuilds into an equal error', () => {
    const data = new RealtimeError('host-timeout', 'no answer').toData()
    expect(data).toEqual({ name: 'RealtimeError', kind: 'host-timeout', message: 'no answer' })
    expect(asRealtimeError(structuredClone(data))).toMatchObject({ kind: 'host-timeout', message: 'no answer', retryable: true })
  })

  test("from() keeps the engine's own retryable", () => {
    expect(RealtimeError.from({ kind: 'join-refused:Unauthorized', message: 'no', retryable: false })).toMatchObject({ kind: 'join-refused:Unauthorized', retryable: false })
    expect(RealtimeError.from({ kind: 'socket-closed', message: 'closed', retryable: true })).toMatchObject({ retryable: true })
  })
})
