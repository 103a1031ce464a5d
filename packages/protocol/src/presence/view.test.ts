// toPresenceView / toPresenceEvents: realtime-js's transformState cases
// (test/phoenix/presenceAdapter.test.ts), deep copies, and the join/leave payloads.

import { describe, expect, test } from 'vitest'
import { deepFreeze, presences } from './test-support.ts'
import type { PresenceChange, PresenceState } from './types.ts'
import { toPresenceEvents, toPresenceView } from './view.ts'

describe('toPresenceView', () => {
  test.each<[string, PresenceState, unknown]>([
    ['an empty state', {}, {}],
    [
      'a meta with phx_ref_prev',
      presences({ abc: [{ phx_ref: '2', phx_ref_prev: '1', user_id: 1 }] }),
      { abc: [{ presence_ref: '2', user_id: 1 }] },
    ],
    [
      'a meta without phx_ref_prev',
      presences({ abc: [{ phx_ref: '2', user_id: 1 }] }),
      { abc: [{ presence_ref: '2', user_id: 1 }] },
    ],
    [
      'several metas and keys',
      presences({
        abc: [
          { phx_ref: '2', phx_ref_prev: '1', user_id: 1 },
          { phx_ref: '3', user_id: 2 },
        ],
        def: [{ phx_ref: '4', user_id: 3 }],
      }),
      {
        abc: [
          { presence_ref: '2', user_id: 1 },
          { presence_ref: '3', user_id: 2 },
        ],
        def: [{ presence_ref: '4', user_id: 3 }],
      },
    ],
    ['empty metas', { abc: { metas: [] } }, { abc: [] }],
    [
      'nested data',
      presences({ abc: [{ phx_ref: '2', details: { mood: 'happy' } }] }),
      { abc: [{ presence_ref: '2', details: { mood: 'happy' } }] },
    ],
  ])('transforms %s', (_name, state, view) => {
    expect(toPresenceView(deepFreeze(state))).toEqual(view)
  })

  test('leaves no phx_ref or phx_ref_prev key behind', () => {
    const presence = toPresenceView(presences({ abc: [{ phx_ref: '2', phx_ref_prev: '1' }] }))['abc']?.[0]
    expect(Object.keys(presence ?? {})).toEqual(['presence_ref'])
  })

  test('keeps meta keys in order and puts presence_ref last, as realtime-js does', () => {
    const presence = toPresenceView(presences({ abc: [{ b: 1, phx_ref: '2', a: 2 }] }))['abc']?.[0]
    expect(JSON.stringify(presence)).toBe('{"b":1,"a":2,"presence_ref":"2"}')
  })

  test('returns deep copies that cannot change the state', () => {
    const state = presences({ abc: [{ phx_ref: '2', details: { mood: 'happy' }, tags: ['a'] }] })
    const view = toPresenceView<{ details: { mood: string }; tags: string[] }>(state)
    const presence = view['abc']?.[0]
    if (presence === undefined) throw new Error('no presence')
    presence.details.mood = 'sad'
    presence.tags.push('b')
    view['abc']?.push(presence)
    expect(state).toEqual(presences({ abc: [{ phx_ref: '2', details: { mood: 'happy' }, tags: ['a'] }] }))
  })

  test('keeps a __proto__ meta key as an own property of a plain object', () => {
    const meta = JSON.parse('{"phx_ref":"1","__proto__":{"is_admin":true}}') as { phx_ref: string }
    const presence = toPresenceView({ u1: { metas: [meta] } })['u1']?.[0] ?? {}
    expect(Object.getPrototypeOf(presence)).toBe(Object.prototype)
    expect(Object.hasOwn(presence, '__proto__')).toBe(true)
    expect(Reflect.get(presence, '__proto__')).toEqual({ is_admin: true })
    expect('is_admin' in presence).toBe(false)
  })

  test('returns a null-prototype record, so a __proto__ presence key is an ordinary key', () => {
    const state = JSON.parse('{"__proto__":{"metas":[{"phx_ref":"1"}]}}') as PresenceState
    const view = toPresenceView(state)
    expect(Object.getPrototypeOf(view)).toBe(null)
    expect(Object.keys(view)).toEqual(['__proto__'])
  })
})

describe('toPresenceEvents', () => {
  test('turns joins and leaves into realtime-js payloads, in order', () => {
    const changes = deepFreeze<PresenceChange[]>([
      {
        event: 'join',
        key: 'u2',
        current: [{ name: 'chris', phx_ref: '2' }],
        added: [{ name: 'chris.2', phx_ref: '2.2', phx_ref_prev: '2' }],
      },
      {
        event: 'leave',
        key: 'u2',
        current: [{ name: 'chris.2', phx_ref: '2.2', phx_ref_prev: '2' }],
        removed: [{ name: 'chris', phx_ref: '2' }],
      },
      { event: 'join', key: 'u3', current: [], added: [{ phx_ref: '3' }] },
    ])
    expect(toPresenceEvents(changes)).toEqual([
      {
        event: 'join',
        key: 'u2',
        currentPresences: [{ name: 'chris', presence_ref: '2' }],
        newPresences: [{ name: 'chris.2', presence_ref: '2.2' }],
      },
      {
        event: 'leave',
        key: 'u2',
        currentPresences: [{ name: 'chris.2', presence_ref: '2.2' }],
        leftPresences: [{ name: 'chris', presence_ref: '2' }],
      },
      { event: 'join', key: 'u3', currentPresences: [], newPresences: [{ presence_ref: '3' }] },
    ])
  })

  test('returns copies of the metas it reports', () => {
    const meta = { phx_ref: '1', details: { mood: 'happy' } }
    const [event] = toPresenceEvents<{ details: { mood: string } }>([
      { event: 'join', key: 'u1', current: [], added: [meta] },
    ])
    if (event?.event !== 'join') throw new Error('no join')
    expect(event.newPresences[0]?.details).not.toBe(meta.details)
  })
})
