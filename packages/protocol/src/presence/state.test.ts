// syncState / syncDiff: the Phoenix presence test cases (assets/test/presence_test.ts)
// plus purity (every input is deep-frozen) and prototype-named keys.

import { describe, expect, test } from 'vitest'
import { syncDiff, syncState } from './state.ts'
import { deepFreeze, fixtures, presences } from './test-support.ts'

const frozen = deepFreeze

describe('syncState', () => {
  test('syncs an empty state into the incoming one, joining every key', () => {
    const incoming = frozen(presences({ u1: [{ id: 1, phx_ref: '1' }] }))
    const { state, changes } = syncState(frozen({}), incoming)
    expect(state).toEqual(incoming)
    expect(changes).toEqual([{ event: 'join', key: 'u1', current: [], added: [{ id: 1, phx_ref: '1' }] }])
  })

  test('joins new keys, then leaves keys absent from the incoming state', () => {
    const current = frozen(presences({ u4: [{ id: 4, phx_ref: '4' }] }))
    const { state, changes } = syncState(current, frozen(fixtures.state()))
    expect(state).toEqual(fixtures.state())
    expect(changes).toEqual([
      { event: 'join', key: 'u1', current: [], added: [{ id: 1, phx_ref: '1' }] },
      { event: 'join', key: 'u2', current: [], added: [{ id: 2, phx_ref: '2' }] },
      { event: 'join', key: 'u3', current: [], added: [{ id: 3, phx_ref: '3' }] },
      { event: 'leave', key: 'u4', current: [], removed: [{ id: 4, phx_ref: '4' }] },
    ])
  })

  test('joins only the newly added metas of a known key', () => {
    const current = frozen(presences({ u3: [{ id: 3, phx_ref: '3' }] }))
    const incoming = frozen(
      presences({
        u3: [
          { id: 3, phx_ref: '3' },
          { id: 3, phx_ref: '3.new' },
        ],
      }),
    )
    const { state, changes } = syncState(current, incoming)
    expect(state).toEqual(incoming)
    expect(changes).toEqual([
      { event: 'join', key: 'u3', current: [{ id: 3, phx_ref: '3' }], added: [{ id: 3, phx_ref: '3.new' }] },
    ])
  })

  test('leaves the refs a known key lost and keeps the key while it has metas', () => {
    const current = frozen(
      presences({
        u1: [
          { id: 1, phx_ref: '1' },
          { id: 1, phx_ref: '1.2' },
        ],
      }),
    )
    const incoming = frozen(
      presences({
        u1: [
          { id: 1, phx_ref: '1.3' },
          { id: 1, phx_ref: '1.2' },
        ],
      }),
    )
    const { state, changes } = syncState(current, incoming)
    expect(state).toEqual(
      presences({
        u1: [
          { id: 1, phx_ref: '1.2' },
          { id: 1, phx_ref: '1.3' },
        ],
      }),
    )
    expect(changes).toEqual([
      {
        event: 'join',
        key: 'u1',
        current: [
          { id: 1, phx_ref: '1' },
          { id: 1, phx_ref: '1.2' },
        ],
        added: [{ id: 1, phx_ref: '1.3' }],
      },
      {
        event: 'leave',
        key: 'u1',
        current: [
          { id: 1, phx_ref: '1.2' },
          { id: 1, phx_ref: '1.3' },
        ],
        removed: [{ id: 1, phx_ref: '1' }],
      },
    ])
  })

  test('keeps the current meta of a ref present on both sides and reports nothing', () => {
    const current = frozen(presences({ u1: [{ name: 'old', phx_ref: '1' }] }))
    const { state, changes } = syncState(current, frozen(presences({ u1: [{ name: 'new', phx_ref: '1' }] })))
    expect(state).toEqual(current)
    expect(changes).toEqual([])
  })

  test('returns a new state object and leaves its frozen inputs untouched', () => {
    const current = frozen(fixtures.state())
    const { state } = syncState(current, frozen(presences({ u1: [{ id: 1, phx_ref: '1' }] })))
    expect(state).not.toBe(current)
    expect(current).toEqual(fixtures.state())
  })

  test('treats keys named after Object.prototype members as ordinary keys', () => {
    const incoming = frozen(
      JSON.parse('{"constructor":{"metas":[{"phx_ref":"1"}]},"__proto__":{"metas":[{"phx_ref":"2"}]}}') as ReturnType<
        typeof presences
      >,
    )
    const { state, changes } = syncState(frozen({ toString: { metas: [{ phx_ref: '3' }] } }), incoming)
    expect(Object.keys(state)).toEqual(['constructor', '__proto__'])
    expect(changes.map((change) => [change.event, change.key])).toEqual([
      ['join', 'constructor'],
      ['join', '__proto__'],
      ['leave', 'toString'],
    ])
  })

  test('orders changes by key as JavaScript objects do: integer-like keys first', () => {
    const { changes } = syncState(
      {},
      presences({ b: [{ phx_ref: 'b' }], 20: [{ phx_ref: '20' }], 3: [{ phx_ref: '3' }] }),
    )
    expect(changes.map((change) => change.key)).toEqual(['3', '20', 'b'])
  })
})

describe('syncDiff', () => {
  test('syncs joins into an empty state', () => {
    const joins = frozen(presences({ u1: [{ id: 1, phx_ref: '1' }] }))
    const { state, changes } = syncDiff(frozen({}), frozen({ joins, leaves: {} }))
    expect(state).toEqual(joins)
    expect(changes).toEqual([{ event: 'join', key: 'u1', current: [], added: [{ id: 1, phx_ref: '1' }] }])
  })

  test('appends a joining meta and removes a key whose last meta leaves', () => {
    const diff = frozen({ joins: fixtures.joins(), leaves: fixtures.leaves() })
    const { state, changes } = syncDiff(frozen(fixtures.state()), diff)
    expect(state).toEqual(
      presences({
        u1: [
          { id: 1, phx_ref: '1' },
          { id: 1, phx_ref: '1.2' },
        ],
        u3: [{ id: 3, phx_ref: '3' }],
      }),
    )
    expect(changes).toEqual([
      { event: 'join', key: 'u1', current: [{ id: 1, phx_ref: '1' }], added: [{ id: 1, phx_ref: '1.2' }] },
      { event: 'leave', key: 'u2', current: [], removed: [{ id: 2, phx_ref: '2' }] },
    ])
  })

  test('removes a leaving meta and keeps the key while other metas remain', () => {
    const current = frozen(
      presences({
        u1: [
          { id: 1, phx_ref: '1' },
          { id: 1, phx_ref: '1.2' },
        ],
      }),
    )
    const diff = frozen({ joins: {}, leaves: presences({ u1: [{ id: 1, phx_ref: '1' }] }) })
    const { state, changes } = syncDiff(current, diff)
    expect(state).toEqual(presences({ u1: [{ id: 1, phx_ref: '1.2' }] }))
    expect(changes).toEqual([
      { event: 'leave', key: 'u1', current: [{ id: 1, phx_ref: '1.2' }], removed: [{ id: 1, phx_ref: '1' }] },
    ])
  })

  test('turns a re-track (join with phx_ref_prev plus leave of the old ref) into a join and a leave of the same key', () => {
    const current = frozen(presences({ u1: [{ id: 1, phx_ref: '1' }], u2: [{ id: 2, name: 'chris', phx_ref: '2' }] }))
    const updated = { id: 2, name: 'chris.2', phx_ref: '2.2', phx_ref_prev: '2' }
    const diff = frozen({
      joins: presences({ u2: [updated] }),
      leaves: presences({ u2: [{ id: 2, name: 'chris', phx_ref: '2' }] }),
    })
    const { state, changes } = syncDiff(current, diff)
    expect(state).toEqual(presences({ u1: [{ id: 1, phx_ref: '1' }], u2: [updated] }))
    expect(changes).toEqual([
      { event: 'join', key: 'u2', current: [{ id: 2, name: 'chris', phx_ref: '2' }], added: [updated] },
      { event: 'leave', key: 'u2', current: [updated], removed: [{ id: 2, name: 'chris', phx_ref: '2' }] },
    ])
  })

  test('replaces a meta whose ref joins again and moves it after the others', () => {
    const current = frozen(
      presences({
        u1: [
          { v: 1, phx_ref: 'a' },
          { v: 1, phx_ref: 'b' },
        ],
      }),
    )
    const { state } = syncDiff(current, frozen({ joins: presences({ u1: [{ v: 2, phx_ref: 'a' }] }), leaves: {} }))
    expect(state).toEqual(
      presences({
        u1: [
          { v: 1, phx_ref: 'b' },
          { v: 2, phx_ref: 'a' },
        ],
      }),
    )
  })

  test('ignores a leave for an unknown key', () => {
    const current = frozen(fixtures.state())
    const { state, changes } = syncDiff(current, frozen({ joins: {}, leaves: presences({ u9: [{ phx_ref: '9' }] }) }))
    expect(state).toEqual(fixtures.state())
    expect(changes).toEqual([])
  })

  test('reports a leave for a known key even when none of its refs match, as Phoenix does', () => {
    const { state, changes } = syncDiff(
      frozen(fixtures.state()),
      frozen({ joins: {}, leaves: presences({ u1: [{ phx_ref: 'x' }] }) }),
    )
    expect(state).toEqual(fixtures.state())
    expect(changes).toEqual([
      { event: 'leave', key: 'u1', current: [{ id: 1, phx_ref: '1' }], removed: [{ phx_ref: 'x' }] },
    ])
  })

  test('returns a new state object and leaves its frozen inputs untouched', () => {
    const current = frozen(fixtures.state())
    const { state } = syncDiff(current, frozen({ joins: fixtures.joins(), leaves: fixtures.leaves() }))
    expect(state).not.toBe(current)
    expect(current).toEqual(fixtures.state())
  })

  test('treats keys named after Object.prototype members as ordinary keys', () => {
    const joins = frozen({ constructor: { metas: [{ phx_ref: '1' }] } })
    const joined = syncDiff(frozen({}), { joins, leaves: {} })
    expect(Object.keys(joined.state)).toEqual(['constructor'])
    const left = syncDiff(joined.state, {
      joins: {},
      leaves: { constructor: { metas: [{ phx_ref: '1' }] }, hasOwnProperty: { metas: [] } },
    })
    expect(Object.keys(left.state)).toEqual([])
    expect(left.changes).toEqual([{ event: 'leave', key: 'constructor', current: [], removed: [{ phx_ref: '1' }] }])
  })
})
