// The presence code is a chunk of its own (decision 77), loaded when a channel with presence subscribes. A delivery
// with a presence event that arrives before it has loaded waits, with every delivery after it, and goes on in order
// once it has: the app sees SUBSCRIBED (same delivery as the presence state), join and sync, then the broadcast
// behind them, with presenceState() at each callback as it was before the split.
// Here the in-page engine (Node, a scripted socket) and a presence chunk that loads only when the test says so.
import { expect, test, vi } from 'vitest'
import { FakeSocket } from '@shared-realtime/test-support/fake-socket'
import { RealtimeClient } from './index.ts'

const chunk = vi.hoisted(() => {
  let load!: () => void
  return { loaded: new Promise<void>((resolve) => (load = resolve)), load: () => load(), asked: 0 }
})
vi.mock('./presence-sync.ts', async (importOriginal) => {
  chunk.asked++
  await chunk.loaded
  return importOriginal()
})

test('presence events before the presence code loaded wait, with the events after them, and keep their order', async () => {
  const client = new RealtimeClient('ws://realtime.test/realtime/v1', {
    params: { apikey: 'anon', test: 'presence-load' },
    transport: FakeSocket,
  })
  const seen: unknown[] = []
  const keys = () => Object.keys(channel.presenceState())
  const channel = client
    .channel('room')
    .on('presence', { event: 'join' }, ({ key }) => seen.push(['join', key]))
    .on('presence', { event: 'sync' }, () => seen.push(['sync', keys()]))
    .on('broadcast', { event: 'm' }, () => seen.push(['broadcast', keys()]))
    .subscribe((status) => seen.push(status))
  await client.inspect() // attached
  for (let i = 0; i < 20 && FakeSocket.instances.length === 0; i++) await Promise.resolve()
  const socket = FakeSocket.last
  socket.open()
  await vi.waitFor(() => expect(socket.of('phx_join')).toHaveLength(1))
  const join = socket.acceptJoin('realtime:room')
  const frame = { join_ref: join.join_ref, ref: null, topic: 'realtime:room' }
  socket.message({ ...frame, event: 'presence_state', payload: { alice: { metas: [{ phx_ref: 'r1', name: 'A' }] } } })
  socket.message({ ...frame, event: 'broadcast', payload: { type: 'broadcast', event: 'm', payload: {} } })
  await vi.waitFor(() => expect(chunk.asked).toBe(1)) // the subscribe asked for the chunk
  for (let i = 0; i < 50; i++) await Promise.resolve()

  // until it is there, the delivery with the presence event (the join's SUBSCRIBED too) and those after it wait
  expect({ seen, state: channel.presenceState(), channel: channel.state }).toEqual({
    seen: [],
    state: {},
    channel: 'joining',
  })

  chunk.load()
  await vi.waitFor(() => expect(seen).toHaveLength(4))
  expect(seen).toEqual(['SUBSCRIBED', ['join', 'alice'], ['sync', ['alice']], ['broadcast', ['alice']]])
  expect(channel.presenceState()).toEqual({ alice: [{ presence_ref: 'r1', name: 'A' }] })
  await client.disconnect()
})
