// parsePresenceState / parsePresenceDiff: what a network payload must look like, the
// error values for what it must not, and that accepted payloads are copied.

import { describe, expect, test } from 'vitest'
import { type PresenceParseResult, parsePresenceDiff, parsePresenceState } from './parse.ts'
import { deepFreeze } from './test-support.ts'

const invalid = (detail: string) => ({ ok: false, error: { kind: 'invalid-presence-payload', detail } })

function accepted<T>(result: PresenceParseResult<T>): T {
  if (!result.ok) throw new Error(`rejected: ${result.error.detail}`)
  return result.value
}

describe('parsePresenceState', () => {
  test('accepts a state and returns a copy that shares no object with the payload', () => {
    const payload = deepFreeze({ u1: { metas: [{ phx_ref: '1', phx_ref_prev: '0', user: { name: 'a' } }] } })
    const value = accepted(parsePresenceState(payload))
    expect(value).toEqual(payload)
    const meta = value['u1']?.metas[0]
    expect(value['u1']).not.toBe(payload.u1)
    expect(meta).not.toBe(payload.u1.metas[0])
    expect(meta?.['user']).not.toBe(payload.u1.metas[0]?.user)
  })

  test('accepts an empty state and empty metas', () => {
    expect(parsePresenceState({})).toEqual({ ok: true, value: {} })
    expect(parsePresenceState({ u1: { metas: [] } })).toEqual({ ok: true, value: { u1: { metas: [] } } })
  })

  test('returns a null-prototype record holding prototype-named keys as data', () => {
    const value = accepted(
      parsePresenceState(JSON.parse('{"__proto__":{"metas":[{"phx_ref":"1","__proto__":{"admin":true}}]}}')),
    )
    expect(Object.getPrototypeOf(value)).toBe(null)
    expect(Object.keys(value)).toEqual(['__proto__'])
    const meta = value['__proto__']?.metas[0]
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype)
    expect(Object.hasOwn(meta ?? {}, '__proto__')).toBe(true)
    expect('admin' in (meta ?? {})).toBe(false)
  })

  test.each([
    [null, 'presence_state: expected an object, got null'],
    [[], 'presence_state: expected an object, got an array'],
    ['state', 'presence_state: expected an object, got a string'],
    [{ u1: 1 }, 'presence_state["u1"]: expected an object, got a number'],
    [{ u1: {} }, 'presence_state["u1"].metas: expected an array, got nothing'],
    [{ u1: { metas: { phx_ref: '1' } } }, 'presence_state["u1"].metas: expected an array, got an object'],
    [{ u1: { metas: [null] } }, 'presence_state["u1"].metas[0]: expected an object, got null'],
    [
      { u1: { metas: [{ phx_ref: '1' }, { id: 2 }] } },
      'presence_state["u1"].metas[1].phx_ref: expected a string, got nothing',
    ],
    [{ u1: { metas: [{ phx_ref: 7 }] } }, 'presence_state["u1"].metas[0].phx_ref: expected a string, got a number'],
    [
      { u1: { metas: [{ phx_ref: '1', phx_ref_prev: null }] } },
      'presence_state["u1"].metas[0].phx_ref_prev: expected a string, got null',
    ],
  ])('rejects %j', (payload, detail) => {
    expect(parsePresenceState(payload)).toEqual(invalid(detail))
  })

  test('reads phx_ref as an own property only', () => {
    const inherited = Object.create({ phx_ref: '1' }) as object
    expect(parsePresenceState({ u1: { metas: [inherited] } })).toEqual(
      invalid('presence_state["u1"].metas[0].phx_ref: expected a string, got nothing'),
    )
  })

  test('shortens a long presence key in the detail', () => {
    const result = parsePresenceState({ ['k'.repeat(500)]: null })
    expect(result.ok ? 'accepted' : result.error.detail).toMatch(
      /^presence_state\["k{50,}… \(502 chars\)\]: expected an object, got null$/,
    )
  })
})

describe('parsePresenceDiff', () => {
  test('accepts a diff and copies it', () => {
    const payload = deepFreeze({
      joins: { u1: { metas: [{ phx_ref: '2', phx_ref_prev: '1' }] } },
      leaves: { u1: { metas: [{ phx_ref: '1' }] } },
    })
    const value = accepted(parsePresenceDiff(payload))
    expect(value).toEqual(payload)
    expect(value.joins['u1']).not.toBe(payload.joins.u1)
  })

  test.each([
    [undefined, 'presence_diff: expected an object, got nothing'],
    [{ leaves: {} }, 'presence_diff.joins: expected an object, got nothing'],
    [{ joins: {} }, 'presence_diff.leaves: expected an object, got nothing'],
    [{ joins: [], leaves: {} }, 'presence_diff.joins: expected an object, got an array'],
    [
      { joins: {}, leaves: { u1: { metas: [{ phx_ref: false }] } } },
      'presence_diff.leaves["u1"].metas[0].phx_ref: expected a string, got a boolean',
    ],
  ])('rejects %j', (payload, detail) => {
    expect(parsePresenceDiff(payload)).toEqual(invalid(detail))
  })
})
