// applyPresenceEvent: event order and buffering as phoenix.js Presence (its "instance"
// tests), joinRef changes, malformed payloads, and purity.

import { describe, expect, test } from 'vitest'
import { applyPresenceEvent, initialPresenceSync, type PresenceInput, type PresenceSync } from './sync.ts'
import { deepFreeze } from './test-support.ts'
import { toPresenceView } from './view.ts'

const stateInput = (joinRef: string, payload: unknown): PresenceInput => ({ kind: 'state', joinRef, payload })
const diffInput = (joinRef: string, payload: unknown): PresenceInput => ({ kind: 'diff', joinRef, payload })

/** Applies inputs in order, expecting each to be accepted. */
function run(sync: PresenceSync, ...inputs: PresenceInput[]): PresenceSync {
  return inputs.reduce((current, input) => {
    const step = applyPresenceEvent(current, input)
    if (!step.ok) throw new Error(step.error.detail)
    return step.sync
  }, sync)
}

const user1 = { metas: [{ id: 1, phx_ref: '1' }] }
const user2 = { metas: [{ id: 2, phx_ref: '2' }] }
const user3 = { metas: [{ id: 3, phx_ref: '3' }] }

describe('initialPresenceSync', () => {
  test('starts with no joinRef, no presences and no pending diffs', () => {
    expect(initialPresenceSync()).toEqual({ joinRef: null, state: {}, pendingDiffs: [] })
  })
})

describe('applyPresenceEvent', () => {
  test('applies a presence_state: a join per key, then sync', () => {
    const step = applyPresenceEvent(initialPresenceSync(), stateInput('1', { u1: user1, u2: user2 }))
    expect(step.ok).toBe(true)
    expect(step.sync.joinRef).toBe('1')
    expect(step.events).toEqual([
      { event: 'join', key: 'u1', currentPresences: [], newPresences: [{ id: 1, presence_ref: '1' }] },
      { event: 'join', key: 'u2', currentPresences: [], newPresences: [{ id: 2, presence_ref: '2' }] },
      { event: 'sync' },
    ])
  })

  test('applies a presence_diff of the synced joinRef: leaves, then sync', () => {
    const synced = run(initialPresenceSync(), stateInput('1', { u1: user1, u2: user2 }))
    const step = applyPresenceEvent(synced, diffInput('1', { joins: {}, leaves: { u1: user1 } }))
    expect(step.events).toEqual([
      { event: 'leave', key: 'u1', currentPresences: [], leftPresences: [{ id: 1, presence_ref: '1' }] },
      { event: 'sync' },
    ])
    expect(toPresenceView(step.sync.state)).toEqual({ u2: [{ id: 2, presence_ref: '2' }] })
  })

  test('emits only sync for a presence_state that changes nothing', () => {
    const synced = run(initialPresenceSync(), stateInput('1', { u1: user1 }))
    expect(applyPresenceEvent(synced, stateInput('1', { u1: user1 })).events).toEqual([{ event: 'sync' }])
  })

  test('buffers a diff that arrives before the first presence_state and applies it right after', () => {
    const buffered = applyPresenceEvent(initialPresenceSync(), diffInput('1', { joins: {}, leaves: { u2: user2 } }))
    expect(buffered.events).toEqual([])
    expect(buffered.sync.state).toEqual({})
    expect(buffered.sync.pendingDiffs).toEqual([{ joinRef: '1', diff: { joins: {}, leaves: { u2: user2 } } }])

    const step = applyPresenceEvent(buffered.sync, stateInput('1', { u1: user1, u2: user2 }))
    expect(step.events).toEqual([
      { event: 'join', key: 'u1', currentPresences: [], newPresences: [{ id: 1, presence_ref: '1' }] },
      { event: 'join', key: 'u2', currentPresences: [], newPresences: [{ id: 2, presence_ref: '2' }] },
      { event: 'leave', key: 'u2', currentPresences: [], leftPresences: [{ id: 2, presence_ref: '2' }] },
      { event: 'sync' },
    ])
    expect(step.sync.pendingDiffs).toEqual([])
    expect(toPresenceView(step.sync.state)).toEqual({ u1: [{ id: 1, presence_ref: '1' }] })
  })

  test('buffers diffs of a new joinRef until its presence_state, then syncs against the old state', () => {
    const synced = run(
      initialPresenceSync(),
      stateInput('1', { u1: user1, u2: user2 }),
      diffInput('1', { joins: {}, leaves: { u2: user2 } }),
    )
    const rejoined = applyPresenceEvent(synced, diffInput('2', { joins: {}, leaves: { u1: user1 } }))
    expect(rejoined.events).toEqual([])
    expect(rejoined.sync.state).toBe(synced.state)

    const step = applyPresenceEvent(rejoined.sync, stateInput('2', { u1: user1, u3: user3 }))
    expect(step.events).toEqual([
      { event: 'join', key: 'u3', currentPresences: [], newPresences: [{ id: 3, presence_ref: '3' }] },
      { event: 'leave', key: 'u1', currentPresences: [], leftPresences: [{ id: 1, presence_ref: '1' }] },
      { event: 'sync' },
    ])
    expect(step.sync.joinRef).toBe('2')
    expect(toPresenceView(step.sync.state)).toEqual({ u3: [{ id: 3, presence_ref: '3' }] })
  })

  test('resets the pending diffs when a diff of another joinRef arrives', () => {
    const sync = run(
      initialPresenceSync(),
      diffInput('1', { joins: { u1: user1 }, leaves: {} }),
      diffInput('2', { joins: { u2: user2 }, leaves: {} }),
    )
    expect(sync.pendingDiffs).toEqual([{ joinRef: '2', diff: { joins: { u2: user2 }, leaves: {} } }])
    expect(Object.keys(run(sync, stateInput('2', {})).state)).toEqual(['u2'])
  })

  test('applies only the pending diffs of the presence_state joinRef and drops the others', () => {
    const sync = run(
      initialPresenceSync(),
      diffInput('2', { joins: { u2: user2 }, leaves: {} }),
      stateInput('1', { u1: user1 }),
    )
    expect(sync.pendingDiffs).toEqual([])
    expect(Object.keys(sync.state)).toEqual(['u1'])
  })

  test('buffers a diff with a stale joinRef instead of applying it to the current state', () => {
    const synced = run(initialPresenceSync(), stateInput('1', { u1: user1 }), stateInput('2', { u1: user1 }))
    const step = applyPresenceEvent(synced, diffInput('1', { joins: {}, leaves: { u1: user1 } }))
    expect(step.events).toEqual([])
    expect(step.sync.state).toBe(synced.state)
    expect(step.sync.pendingDiffs).toHaveLength(1)
    expect(Object.keys(run(step.sync, stateInput('2', { u1: user1 })).state)).toEqual(['u1'])
  })

  test('reports a re-track (phx_ref_prev) as a join and a leave of the same key', () => {
    const synced = run(
      initialPresenceSync(),
      stateInput('1', { u1: user1, u2: { metas: [{ id: 2, name: 'chris', phx_ref: '2' }] } }),
    )
    const step = applyPresenceEvent(
      synced,
      diffInput('1', {
        joins: { u2: { metas: [{ id: 2, name: 'chris.2', phx_ref: '2.2', phx_ref_prev: '2' }] } },
        leaves: { u2: { metas: [{ id: 2, name: 'chris', phx_ref: '2' }] } },
      }),
    )
    const before = { id: 2, name: 'chris', presence_ref: '2' }
    const after = { id: 2, name: 'chris.2', presence_ref: '2.2' }
    expect(step.events).toEqual([
      { event: 'join', key: 'u2', currentPresences: [before], newPresences: [after] },
      { event: 'leave', key: 'u2', currentPresences: [after], leftPresences: [before] },
      { event: 'sync' },
    ])
    expect(toPresenceView(step.sync.state)).toEqual({ u1: [{ id: 1, presence_ref: '1' }], u2: [after] })
  })

  test.each([
    ['a presence_state before any state', initialPresenceSync(), stateInput('1', { u1: { metas: 'x' } })],
    ['a presence_diff before any state', initialPresenceSync(), diffInput('1', { joins: {} })],
    ['a presence_state', run(initialPresenceSync(), stateInput('1', { u1: user1 })), stateInput('1', [])],
    [
      'a presence_diff',
      run(initialPresenceSync(), stateInput('1', { u1: user1 })),
      diffInput('1', { joins: {}, leaves: { u1: { metas: [{}] } } }),
    ],
  ])('rejects a malformed payload in %s and keeps the sync as it was', (_name, sync, input) => {
    const step = applyPresenceEvent(sync, input)
    expect(step).toMatchObject({ ok: false, events: [], error: { kind: 'invalid-presence-payload' } })
    expect(step.sync).toBe(sync)
  })

  test('leaves a frozen sync and frozen payloads untouched', () => {
    const sync = deepFreeze(run(initialPresenceSync(), diffInput('1', { joins: { u2: user2 }, leaves: {} })))
    const payload = deepFreeze({ u1: { metas: [{ id: 1, phx_ref: '1' }] } })
    const step = applyPresenceEvent(sync, stateInput('1', payload))
    expect(Object.keys(step.sync.state)).toEqual(['u1', 'u2'])
    expect(sync.pendingDiffs).toHaveLength(1)
    expect(payload).toEqual({ u1: { metas: [{ id: 1, phx_ref: '1' }] } })
  })

  test('keeps no reference to the payload and hands out events that cannot change the state', () => {
    const payload = { u1: { metas: [{ phx_ref: '1', details: { mood: 'happy' } }] } }
    const step = applyPresenceEvent(initialPresenceSync(), stateInput('1', payload))
    payload.u1.metas[0]!.details.mood = 'edited payload'
    const [join] = step.events
    if (join?.event !== 'join') throw new Error('no join')
    Object.assign(join.newPresences[0] ?? {}, { details: 'edited event' })
    expect(toPresenceView(step.sync.state)).toEqual({ u1: [{ presence_ref: '1', details: { mood: 'happy' } }] })
  })
})
