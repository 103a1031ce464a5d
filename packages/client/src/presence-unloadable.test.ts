// A presence chunk that cannot load (decision 77; e.g. a deploy removed it from under a long-lived tab): the presence
// events held for it are dropped and logged, the events behind them still arrive, and the next presence event tries
// the chunk again. Here the in-page engine (Node, a scripted socket) and a chunk that fails to load.
import { expect, test, vi } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { RealtimeClient } from './index.ts'

const chunk = vi.hoisted(() => ({ asked: 0 }))
vi.mock('./presence-sync.ts', () => {
  chunk.asked++
  throw new Error('chunk gone')
})

test('presence events are dropped and logged when the presence code cannot load; the rest still arrive', async () => {
  const lines: unknown[][] = []
  const client = new RealtimeClient('ws://realtime.test/realtime/v1', {
    params: { apikey: 'anon', test: 'presence-unloadable' },
    transport: FakeSocket,
    logger: (...line) => lines.push(line),
  })
  const seen: string[] = []
  const channel = client
    .channel('room')
    .on('presence', { event: 'sync' }, () => seen.push('sync'))
    .on('broadcast', { event: 'm' }, () => seen.push('broadcast'))
    .subscribe()
  await client.inspect() // attached
  for (let i = 0; i < 20 && FakeSocket.instances.length === 0; i++) await Promise.resolve()
  const socket = FakeSocket.last
  socket.open()
  await vi.waitFor(() => expect(socket.of('phx_join')).toHaveLength(1))
  const join = socket.acceptJoin('realtime:room')
  const frame = { join_ref: join.join_ref, ref: null, topic: 'realtime:room' }
  socket.message({ ...frame, event: 'presence_state', payload: { alice: { metas: [{ phx_ref: 'r1' }] } } })
  socket.message({ ...frame, event: 'broadcast', payload: { type: 'broadcast', event: 'm', payload: {} } })
  await vi.waitFor(() => expect(seen).toEqual(['broadcast']))
  expect(lines.map((line) => line.slice(0, 2))).toContainEqual([
    'presence',
    expect.stringMatching(/^presence code did not load/),
  ])
  expect(channel.presenceState()).toEqual({})
  const asked = chunk.asked
  socket.message({ ...frame, event: 'presence_diff', payload: { joins: {}, leaves: {} } })
  await vi.waitFor(() => expect(chunk.asked).toBeGreaterThan(asked)) // tried again
  await client.disconnect()
})
