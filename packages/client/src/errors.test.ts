// RealtimeError across the port: what the worker sends as data is rebuilt in the tab with
// its kind, message and retryable; anything else becomes the fallback kind.
import { describe, expect, test } from 'vitest'
import { OutboxFullError, PayloadTooLargeError, TokenRefusedError } from '@shared-realtime/engine'
import { asRealtimeError, engineRefusalKind, RealtimeError } from './errors.ts'

describe('asRealtimeError', () => {
  test("rebuilds a worker's error data with its kind and the kind's retryable", () => {
    const data = { name: 'RealtimeError', kind: 'not-attached', message: 'attach first' }
    const error = asRealtimeError(data, 'command-failed')
    expect(error).toBeInstanceOf(RealtimeError)
    const { name, kind, message, retryable } = error
    expect({ name, kind, message, retryable }).toEqual({ ...data, retryable: true })
  })

  test("rebuilds Comlink's Error of a guard refusal (named RealtimeError, with a kind)", () => {
    const thrown = Object.assign(new Error('unknown command "x"'), { name: 'RealtimeError', kind: 'bad-request' })
    const rebuilt = asRealtimeError(thrown, 'command-failed')
    expect(rebuilt).toMatchObject({ kind: 'bad-request', message: 'unknown command "x"', retryable: false })
  })

  test('gives anything else the fallback kind, and keeps a RealtimeError as it is', () => {
    const cloneError = asRealtimeError(new TypeError('cannot clone'), 'command-failed')
    expect(cloneError).toMatchObject({ kind: 'command-failed', message: 'cannot clone' })
    const unknownKind = asRealtimeError({ name: 'RealtimeError', kind: 'no-such-kind', message: 'm' })
    expect(unknownKind).toMatchObject({ kind: 'error', retryable: false })
    const text = asRealtimeError('boom', 'host-unavailable')
    expect(text).toMatchObject({ kind: 'host-unavailable', message: 'boom', retryable: true })
    const same = new RealtimeError('outbox-full', 'full')
    expect(asRealtimeError(same)).toBe(same)
  })

  test("the engine's refusals keep their kind (the in-page engine throws them; the worker replies with the kind)", () => {
    const tooLarge = new PayloadTooLargeError('realtime:room', 'a broadcast', 3_500_040, 3_000_000)
    expect(engineRefusalKind(tooLarge)).toBe('payload-too-large')
    expect(engineRefusalKind(new OutboxFullError('realtime:room', 100))).toBe('outbox-full')
    const refused = new TokenRefusedError('JwtSignatureError: Failed to validate JWT signature')
    expect(engineRefusalKind(refused)).toBe('token-refused')
    expect(asRealtimeError({ name: 'RealtimeError', kind: 'token-refused', message: 'm' })).toMatchObject({
      kind: 'token-refused',
      retryable: false,
    })
    expect(engineRefusalKind(new TypeError('x'))).toBeUndefined()
    expect(asRealtimeError(tooLarge)).toMatchObject({
      kind: 'payload-too-large',
      retryable: false,
      message: expect.stringContaining('is 3500040 bytes once encoded, over the limit of 3000000'),
    })
    const data = { name: 'RealtimeError', kind: 'payload-too-large', message: 'm' }
    expect(asRealtimeError(data, 'command-failed')).toMatchObject({ kind: 'payload-too-large' })
  })
})

describe('RealtimeError', () => {
  test('toData is what crosses the port, and rebuilds into an equal error', () => {
    const data = new RealtimeError('host-timeout', 'no answer').toData()
    expect(data).toEqual({ name: 'RealtimeError', kind: 'host-timeout', message: 'no answer' })
    const rebuilt = asRealtimeError(structuredClone(data))
    expect(rebuilt).toMatchObject({ kind: 'host-timeout', message: 'no answer', retryable: true })
  })

  test("from() keeps the engine's own retryable", () => {
    const refused = RealtimeError.from({ kind: 'join-refused:Unauthorized', message: 'no', retryable: false })
    expect(refused).toMatchObject({ kind: 'join-refused:Unauthorized', retryable: false })
    const closed = RealtimeError.from({ kind: 'socket-closed', message: 'closed', retryable: true })
    expect(closed).toMatchObject({ retryable: true })
  })
})
