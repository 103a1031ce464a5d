// The relay of the leader host (leader-bridge.ts) in Node: a follower's RelayedSpawn and the leader's LeaderServer
// joined by a fake BroadcastChannel (each message structured-cloned, as the real one does: a MessagePort left in one
// would throw), the server's worker a MessageChannel the test answers on. Ports in a command become virtual ports and
// are materialized on the leader's side, relayed both ways; malformed or foreign relay messages are dropped.

import { describe, expect, test } from 'vitest'
import {
  decodePorts,
  encodePorts,
  LeaderServer,
  RELAY_LIMITS,
  readRelayMessage,
  type RelayMessage,
  RelayedSpawn,
  VPORT,
} from './leader-bridge.ts'

/** Tabs by id; send() delivers a structured clone a task later, as a BroadcastChannel does. */
function network() {
  const tabs = new Map<string, (message: RelayMessage) => void>()
  const send = (to: string, message: RelayMessage) => {
    const copy = structuredClone(message)
    setTimeout(() => tabs.get(to)?.(copy), 0)
  }
  return { tabs, send }
}

/** A follower tab's RelayedSpawn on `net`, under the id 'follower'; `disposed` and `refused` are its callbacks. */
function follower(
  net: ReturnType<typeof network>,
  disposed: ConstructorParameters<typeof RelayedSpawn>[2] = () => {},
  refused: ConstructorParameters<typeof RelayedSpawn>[3] = () => {},
): RelayedSpawn {
  const spawn = new RelayedSpawn('follower', net.send, disposed, refused)
  net.tabs.set('follower', (m) => spawn.receive(m))
  return spawn
}

const next = <T>(target: EventTarget) =>
  new Promise<T>((resolve) => target.addEventListener('message', (e) => resolve((e as MessageEvent).data as T)))

/** A message on a MessagePort. */
// oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
const post = (port: MessagePort, message: unknown) => port.postMessage(message)

describe('relay messages', () => {
  test('readRelayMessage takes only well-formed ones', () => {
    expect(readRelayMessage({ type: 'open', up: true, from: 't', conn: 'c' })).toEqual({
      type: 'open',
      up: true,
      from: 't',
      conn: 'c',
    })
    for (const junk of [
      null,
      'open',
      { type: 'open', from: 't', conn: 'c' }, // no direction
      { type: 'open', up: true, from: '', conn: 'c' },
      { type: 'open', up: true, from: 'x'.repeat(101), conn: 'c' },
      { type: 'msg', up: true, from: 't', conn: 'c', port: -1, data: 1 },
      { type: 'msg', up: true, from: 't', conn: 'c', port: RELAY_LIMITS.portsPerConnection + 1, data: 1 },
      { type: 'eval', up: true, from: 't', conn: 'c' },
    ])
      expect(readRelayMessage(junk)).toBeUndefined()
  })

  test('ports in Comlink arguments become virtual ports, and back; a malformed virtual port is refused', () => {
    const { port1, port2 } = new MessageChannel()
    let n = 0
    const message = { id: '1', type: 'APPLY', path: ['attach'], argumentList: [{ type: 'RAW', value: port2 }] }
    const encoded = encodePorts(message, () => ++n)
    expect(encoded.data).toEqual({ ...message, argumentList: [{ type: 'RAW', value: { [VPORT]: 1 } }] })
    expect(encoded.ports.get(1)).toBe(port2)
    const made = new MessageChannel()
    const decoded = decodePorts(structuredClone(encoded.data), () => made.port2)
    expect(decoded?.transfer).toEqual([made.port2])
    expect(decodePorts({ argumentList: [{ type: 'RAW', value: { [VPORT]: 'x' } }] }, () => made.port2)).toBeUndefined()
    expect(decodePorts({ argumentList: [{ type: 'RAW', value: { [VPORT]: 99 } }] }, () => made.port2)).toBeUndefined()
    for (const p of [port1, port2, made.port1, made.port2]) p.close()
  })
})

describe('RelayedSpawn ↔ LeaderServer', () => {
  test('a command with a port crosses; the worker answers on both; close lets go', async () => {
    const { tabs, send } = network()
    const workerSide: MessagePort[] = []
    const server = new LeaderServer('leader', send, (port) => workerSide.push(port))
    tabs.set('leader', (m) => server.receive(m))
    const disposed: string[] = []
    const spawn = follower({ tabs, send }, (s) => disposed.push(s.conn))

    // posted before the leader is known: it waits, in order
    const events = new MessageChannel()
    const answer = next<{ id: string; value: string }>(spawn.endpoint)
    spawn.endpoint.postMessage(
      { id: 'a1', type: 'APPLY', path: ['attach'], argumentList: [{ type: 'RAW', value: events.port2 }] },
      [events.port2],
    )
    spawn.aim('leader')
    await expect.poll(() => workerSide.length).toBe(1)
    const worker = workerSide[0] as MessagePort
    const command = await next<{ id: string; argumentList: Array<{ value: MessagePort }> }>(worker)
    worker.start()
    expect(command.id).toBe('a1')
    const eventsAtWorker = command.argumentList[0]?.value as MessagePort
    expect(eventsAtWorker).toBeInstanceOf(MessagePort)

    // the worker answers the command, and sends an event on the events port; the tab acks on it
    post(worker, { id: 'a1', type: 'RAW', value: 'attached' })
    expect(await answer).toEqual({ id: 'a1', type: 'RAW', value: 'attached' })
    const event = next<unknown>(events.port1)
    events.port1.start()
    post(eventsAtWorker, { instance: 'w', events: [1, 2] })
    expect(await event).toEqual({ instance: 'w', events: [1, 2] })
    const ack = next<unknown>(eventsAtWorker)
    eventsAtWorker.start()
    post(events.port1, { ack: 2 })
    expect(await ack).toEqual({ ack: 2 })

    expect(server.connections).toBe(1)
    spawn.dispose()
    await expect.poll(() => server.connections).toBe(0)
    expect(disposed).toEqual([spawn.conn])
    for (const p of [events.port1, eventsAtWorker, worker]) p.close()
  })

  test('a forged message for a connection the leader does not know is dropped and answered with close', async () => {
    const { tabs, send } = network()
    const server = new LeaderServer('leader', send, () => {})
    const heard: RelayMessage[] = []
    tabs.set('mallory', (m) => heard.push(m))
    server.receive({ type: 'msg', up: true, from: 'mallory', conn: 'guess', port: 0, data: { type: 'APPLY' } })
    server.receive({ type: 'opened', up: true, from: 'mallory', conn: 'guess' })
    server.receive({ type: 'open', up: false, from: 'mallory', conn: 'guess' })
    expect(server.dropped).toBe(3)
    await expect.poll(() => heard.map((m) => m.type)).toEqual(['close'])
    expect(server.connections).toBe(0)
  })

  test('a follower whose open is refused by a tab that no longer leads hears it, and can aim again', async () => {
    const { tabs, send } = network()
    const refused: string[] = []
    const spawn = follower(
      { tabs, send },
      () => {},
      (_s, by) => refused.push(by),
    )
    tabs.set('old', (m) =>
      send(m.from, { type: 'close', up: false, from: 'old', conn: m.conn, reason: 'not the leader' }),
    )
    spawn.aim('old')
    await expect.poll(() => refused).toEqual(['old'])
    expect(spawn.target).toBeUndefined()
    const server = new LeaderServer('new', send, () => {})
    tabs.set('new', (m) => server.receive(m))
    spawn.aim('new')
    await expect.poll(() => spawn.opened).toBe(true)
    spawn.dispose()
  })

  test('an opened connection whose leader no longer leads is closed when another tab leads', async () => {
    const { tabs, send } = network()
    const server = new LeaderServer('old', send, () => {})
    tabs.set('old', (m) => server.receive(m))
    const spawn = follower({ tabs, send })
    spawn.aim('old')
    await expect.poll(() => spawn.opened).toBe(true)
    let closed = false
    void spawn.closed.then(() => (closed = true))
    spawn.aim('old') // the same leader heard again: nothing happens
    await Promise.resolve()
    expect(closed).toBe(false)
    spawn.aim('new') // the old one crashed, or was deposed: the Supervisor hears `closed` and recovers to the new one
    expect(String(await spawn.failed)).toBe('Error: tab new leads now, not old')
    await spawn.closed
    await expect.poll(() => server.connections).toBe(0) // the old one, if alive, hears the close
  })

  test('a leader whose worker failed opens then closes every connection with the reason', async () => {
    const { tabs, send } = network()
    const server = new LeaderServer('leader', send, () => {})
    tabs.set('leader', (m) => server.receive(m))
    server.fail('the worker failed to start')
    const spawn = follower({ tabs, send })
    spawn.aim('leader')
    expect((await spawn.failed).message).toMatch(/the leader tab closed the connection: the worker failed to start/)
  })

  test('per-tab connection limit', async () => {
    const { tabs, send } = network()
    const server = new LeaderServer('leader', send, (port) => port.close())
    for (let i = 0; i <= RELAY_LIMITS.connectionsPerTab; i++)
      server.receive({ type: 'open', up: true, from: 'greedy', conn: `c${i}` })
    tabs.set('greedy', () => {})
    expect([server.connections, server.dropped]).toEqual([RELAY_LIMITS.connectionsPerTab, 1])
    server.closeAll('done')
    expect(server.connections).toBe(0)
  })
})
