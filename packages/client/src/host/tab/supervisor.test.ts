// The Supervisor over time, under the engine's Driver on a TestClock, against a fake worker in
// this realm (Comlink's wire on MessageChannel ports, in Node): a worker that restarts with a
// new instance id (seen in a reply or in an event), a recovery that fails and waits out its
// backoff, a command deadline, the probe, the back/forward cache, a detach during a recovery.
// Ports deliver between event-loop turns: `until` lets them run; no test waits on real time.

import { type EngineEvent, TestClock, TestLogSink } from '@shared-realtime/engine'
import { afterEach, describe, expect, test } from 'vitest'
import { RealtimeChannel } from '../../RealtimeChannel.ts'
import { TAB_PROTOCOL_VERSION } from '../protocol.ts'
import { TabMemory } from './memory.ts'
import type { Spawner } from './spawn.ts'
import { Supervisor } from './supervisor.ts'
import { WorkerLink } from './worker-link.ts'
import { offlineConfig } from '../test-support/config.ts'

const NOW = 1_800_000_000_000
const config = offlineConfig()
const spec = { config: {}, postgres: [], presence: false }

type Apply = { id: string; type: string; path: [string]; argumentList: Array<{ value: unknown }> }

/**
 * A worker as a tab sees it: Comlink's wire on a port per spawn, one Reply per command carrying
 * its instance id, events on the events port the tab attached. restart() gives it a new instance
 * that knows no tab (the old ports hear not-attached); `silent` answers nothing (a dead worker);
 * `refuse` makes that many spawns fail to start.
 */
class FakeWorker {
  instance = 'w1'
  silent = false
  refuse = 0
  spawns = 0
  readonly calls: Array<{ instance: string; name: string }> = []
  /** What tabs posted on their events ports other than acks (visibility). */
  readonly told: unknown[] = []
  /** Each attach's `warm` argument, in order. */
  readonly warm: unknown[] = []
  readonly #attached = new Set<MessagePort>()
  readonly #ports: MessagePort[] = []
  #events: MessagePort | undefined

  readonly spawn: Spawner = () => {
    this.spawns++
    const { port1, port2 } = new MessageChannel()
    this.#ports.push(port1, port2)
    const dispose = () => port2.close()
    if (this.refuse > 0) {
      this.refuse--
      return { endpoint: port2, failed: Promise.resolve(new Error('the Worker failed to start')), dispose }
    }
    port1.addEventListener('message', (event) => this.#receive(port1, (event as MessageEvent).data as Apply))
    port1.start()
    return { endpoint: port2, failed: new Promise<Error>(() => {}), dispose }
  }

  restart(instance: string): void {
    this.instance = instance
    this.#attached.clear()
  }

  /** A batch for the tab on the events port it attached last, as sent by `instance`. */
  emit(events: EngineEvent[], instance = this.instance): void {
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
    this.#events?.postMessage({ instance, events })
  }

  names(instance = this.instance): string[] {
    return this.calls.filter((call) => call.instance === instance).map((call) => call.name)
  }

  close(): void {
    for (const port of [...this.#ports, ...(this.#events ? [this.#events] : [])]) port.close()
  }

  #receive(port: MessagePort, message: Apply): void {
    const name = message.path[0]
    this.calls.push({ instance: this.instance, name })
    if (this.silent) return
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort
    const instance = this.instance
    const reply = (value: object) => port.postMessage({ id: message.id, type: 'RAW', value: { instance, ...value } })
    if (name === 'attach') {
      this.#attached.add(port)
      this.warm.push(message.argumentList[4]?.value)
      this.#events = message.argumentList[1]?.value as MessagePort
      this.#events.addEventListener('message', (event) => {
        const data = (event as MessageEvent).data as object
        if (!('ack' in data)) this.told.push(data)
      })
      this.#events.start()
      return reply({ ok: true, value: { instance: this.instance, protocol: TAB_PROTOCOL_VERSION, host: 'worker' } })
    }
    if (!this.#attached.has(port)) {
      return reply({ ok: false, error: { name: 'RealtimeError', kind: 'not-attached', message: 'attach first' } })
    }
    const snapshot = {
      host: 'worker',
      instance,
      engine: null,
      name: '',
      protocol: TAB_PROTOCOL_VERSION,
      tab: null,
      tabCount: 0,
    }
    reply({ ok: true, value: name === 'inspect' ? snapshot : null })
  }
}

/** Lets the ports deliver, one event-loop turn at a time, until `done()`. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let turn = 0; turn < 500; turn++) {
    if (done()) return
    await new Promise((resolve) => setImmediate(resolve))
  }
  throw new Error(`never happened: ${what}`)
}

const resubscribed = (sub: string, channel: string): EngineEvent => ({
  type: 'system',
  sub,
  payload: { extension: 'system', status: 'ok', message: 'resubscribed', channel },
})

let worker: FakeWorker
const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
  worker.close()
})

/** A Supervisor with its memory, on a TestClock, its page transitions and visibility in the test's hands. */
async function supervised(
  probeMs = 0,
  options: { hidden?: boolean; hiddenBatchMs?: number; locks?: boolean; wantsSocket?: () => boolean } = {},
) {
  worker = new FakeWorker()
  const clock = new TestClock(NOW)
  const memory = new TabMemory()
  const events: EngineEvent[] = []
  const page: { hide?: (persisted: boolean) => void; show?: () => void; visible?: (hidden: boolean) => void } = {}
  const log = new TestLogSink()
  const supervisor = new Supervisor({
    spawn: worker.spawn,
    memory,
    commandMs: 1000,
    attachMs: 2000,
    probeMs,
    clock,
    logger: log,
    // as the page does: the visibility at once, then each change
    pageTransitions: (hide, show, visible = () => {}) => {
      Object.assign(page, { hide, show, visible })
      visible(options.hidden ?? false)
      return () => {}
    },
    locks: options.locks ?? true,
    hiddenBatchMs: options.hiddenBatchMs,
    wantsSocket: options.wantsSocket,
  })
  cleanups.push(() => supervisor.detach())
  await supervisor.attach(config, (batch) => events.push(...batch))
  /** What WorkerLink.subscribe does: remember, then run. */
  const subscribe = async (subId: string, topic: string) => {
    memory.remember({ name: 'subscribe', args: [subId, topic, spec] })
    await supervisor.run('subscribe', (api) => api.subscribe(subId, topic, spec), 1000)
  }
  const connection = () => {
    const state = supervisor.state
    if (state.name !== 'live') throw new Error(`not live: ${state.name}`)
    return state.connection
  }
  return { supervisor, clock, events, page, subscribe, connection, log }
}

describe('a worker that restarts with a new instance id', () => {
  test('seen in a reply: the tab re-attaches, replays what it holds, and the channel hears resubscribed', async () => {
    worker = new FakeWorker()
    const supervisor = { clock: new TestClock(NOW) }
    const link = new WorkerLink('worker', { spawn: worker.spawn, probeIntervalMs: 0, supervisor })
    cleanups.push(() => link.detach())
    const rest = () => {
      throw new Error('no REST here')
    }
    const owner = {
      link: async () => link,
      rest,
      timeout: 10_000,
      removed: () => {},
      subscribing: () => {},
      vsn: '2.0.0' as const,
      logError: () => {},
      log: () => {},
    }
    const channel = new RealtimeChannel('realtime:room', { config: {} }, owner)
    const heard: unknown[] = []
    channel.on('system', {}, (payload) => heard.push(payload))
    // as RealtimeClient routes them: each event to the channel of its subscription
    const route = (events: EngineEvent[]) => {
      for (const e of events) if ('sub' in e && e.sub === channel.subId) channel.receive(e)
    }
    await link.attach(config, route)
    channel.subscribe()
    expect(await channel.track({ user: 'u1' })).toBe('ok')

    worker.restart('w2')
    // answered by the new instance, which does not know this tab: the link recovers, then resolves
    await link.connect()

    expect(worker.spawns).toBe(2)
    // the old connection's goodbye (its record, if the worker still had it, goes), then the new attach
    expect(worker.names('w2')).toEqual(['connect', 'goodbye', 'attach', 'subscribe', 'track', 'connect'])
    expect(heard).toEqual([{ extension: 'system', status: 'ok', message: 'resubscribed', channel: 'room' }])
    expect((await link.inspect()).instance).toBe('w2')
  })

  test("seen in an event: the tab recovers and delivers resubscribed, not the stranger's events", async () => {
    const { supervisor, events, subscribe, connection } = await supervised()
    await subscribe('s1', 'realtime:room')
    const first = connection()
    worker.restart('w2')
    worker.emit([{ type: 'heartbeat', status: 'ok', rttMs: 3 }], 'w2')
    await until(() => supervisor.state.name === 'live' && connection() !== first, 'live on the new instance')
    expect([first.closed, connection().instance, worker.names('w2')]).toEqual([
      true,
      'w2',
      ['goodbye', 'attach', 'subscribe'],
    ])
    expect(events).toEqual([resubscribed('s1', 'room')])
  })
})

describe('recovery', () => {
  test('a reopen that fails waits out its backoff on the clock, then replays on the next', async () => {
    const { supervisor, clock, events, subscribe, log } = await supervised()
    await subscribe('s1', 'realtime:room')
    worker.restart('w2')
    worker.refuse = 1
    worker.emit([], 'w2')
    await until(() => supervisor.state.name === 'waiting', 'waiting after the failed reopen')
    const waiting = { name: 'waiting', attempt: 1, retryAt: NOW + 250 }
    expect([supervisor.state, worker.spawns, clock.pending()]).toEqual([waiting, 2, [250]])
    clock.advance(249)
    expect(supervisor.state.name).toBe('waiting')
    clock.advance(1)
    await until(() => supervisor.state.name === 'live', 'live after the retry')
    expect([worker.spawns, worker.names('w2')]).toEqual([3, ['goodbye', 'attach', 'subscribe']])
    expect(events).toEqual([resubscribed('s1', 'room')])
    // the app's logger option hears it (RealtimeClient's `logger`)
    expect(log.lines.map(({ level, message }) => [level, message])).toEqual([
      ['warn', 'worker w1 lost; recovering'],
      ['warn', 'could not reopen a connection to the worker: the Worker failed to start'],
      ['info', 'recovered on worker w2'],
    ])
  })

  test('a command past its deadline rejects host-timeout and the tab moves to a new connection', async () => {
    const { supervisor, clock, connection } = await supervised()
    const first = connection()
    worker.silent = true
    const inspecting = supervisor.run('inspect', (api) => api.inspect(), 1000)
    await until(() => worker.calls.at(-1)?.name === 'inspect', 'the command posted')
    clock.advance(1000)
    await expect(inspecting).rejects.toMatchObject({ name: 'RealtimeError', kind: 'host-timeout', retryable: true })
    const recovering = { name: 'recovering', attempt: 0, open: expect.any(Number) }
    expect([supervisor.state, first.closed]).toEqual([recovering, true])
    worker.silent = false
    await until(() => supervisor.state.name === 'live', 'live again')
    expect(worker.spawns).toBe(2)
  })

  test('a command waiting when its worker is found lost runs once more on the next, before its deadline', async () => {
    // the leader tab crashed (or the SharedWorker was killed) with a send on its way: the link runs it again on the
    // next worker (a durable send finds itself stored there by id) instead of waiting out its deadline
    worker = new FakeWorker()
    const clock = new TestClock(NOW)
    const link = new WorkerLink('worker', { spawn: worker.spawn, probeIntervalMs: 0, supervisor: { clock } })
    cleanups.push(() => link.detach())
    await link.attach(config, () => {})
    worker.silent = true
    const inspecting = link.inspect()
    await until(() => worker.calls.at(-1)?.name === 'inspect', 'the command posted to the dying worker')
    worker.silent = false
    worker.restart('w2')
    worker.emit([{ type: 'heartbeat', status: 'ok', rttMs: 3 }], 'w2') // the tab learns its worker is gone
    const snapshot = await inspecting
    expect([snapshot.instance, clock.now() - NOW, worker.spawns]).toEqual(['w2', 0, 2])
    expect(worker.names('w2')).toEqual(['goodbye', 'attach', 'inspect'])
  })

  test('a tab that sends nothing notices a dead worker through its probe', async () => {
    const { supervisor, clock, connection } = await supervised(100)
    const first = connection()
    worker.silent = true
    clock.advance(100)
    await until(() => worker.calls.at(-1)?.name === 'ping', 'the probe posted')
    clock.advance(1000) // the ping's deadline
    worker.silent = false // the next worker answers
    await until(() => supervisor.state.name === 'live' && connection() !== first, 'live on a new connection')
    // the ping reached the old worker only; the new connection is probed in its turn
    expect([first.closed, worker.spawns, clock.pending()]).toEqual([true, 2, [100]])
    expect(worker.names()).toEqual(['attach', 'ping', 'goodbye', 'attach'])
  })

  test('detach during a recovery rejects the waiting commands and stops the retries', async () => {
    const { supervisor, clock, subscribe } = await supervised()
    await subscribe('s1', 'realtime:room')
    worker.restart('w2')
    worker.refuse = 1
    worker.emit([], 'w2')
    await until(() => supervisor.state.name === 'waiting', 'waiting')
    const waiting = supervisor.run('inspect', (api) => api.inspect(), 60_000)
    await supervisor.detach()
    await expect(waiting).rejects.toMatchObject({ kind: 'not-attached' })
    expect([supervisor.state, clock.pending()]).toEqual([{ name: 'detached' }, []])
  })
})

describe('the back/forward cache', () => {
  test('pagehide(persisted) lets go of the worker; pageshow comes back as a recovery, with resubscribed', async () => {
    const { supervisor, events, page, subscribe, connection } = await supervised()
    await subscribe('s1', 'realtime:room')
    const first = connection()
    page.hide?.(true)
    expect([supervisor.state, first.closed]).toEqual([{ name: 'hidden' }, true])
    const inspecting = supervisor.run('inspect', (api) => api.inspect(), 1000)
    await expect(inspecting).rejects.toMatchObject({ kind: 'not-attached' })
    page.show?.()
    await until(() => supervisor.state.name === 'live', 'live after pageshow')
    expect([worker.spawns, worker.names().slice(-2)]).toEqual([2, ['attach', 'subscribe']])
    expect(events).toEqual([resubscribed('s1', 'room')])
  })
})

describe('rebind (another identity, decision 61)', () => {
  test('attaches anew with the new config and replays; commands still waiting on the old connection are answered', async () => {
    const { supervisor, events, subscribe, connection, log } = await supervised()
    await subscribe('s1', 'realtime:room')
    const first = connection()
    worker.silent = true // the old connection's answers never come
    const sending = supervisor.run(
      'send',
      (api) => api.send('s1', {}, 1000),
      5000,
      (instance) => ({
        instance,
        ok: true,
        value: 'timed out',
      }),
    )
    const remembered = supervisor.run('track', (api) => api.track('s1', {}), 5000)
    await until(() => worker.calls.at(-1)?.name === 'track', 'the commands posted')
    worker.silent = false
    const moved = { ...config, identity: 'authenticated:u1' }
    await supervisor.rebind(moved)
    expect(await sending).toEqual({ instance: 'w1', ok: true, value: 'timed out' }) // not run again
    expect(await remembered).toBeUndefined() // the memory gave the new connection what it holds
    expect(first.closed).toBe(true)
    expect(worker.names().slice(-3)).toEqual(['goodbye', 'attach', 'subscribe'])
    expect(events).toContainEqual(resubscribed('s1', 'room'))
    expect(log.lines.filter((line) => line.level === 'warn')).toEqual([]) // a move, not a lost worker
    await supervisor.rebind(moved) // the same config again: nothing to do
    expect(worker.spawns).toBe(2)
  })
})

describe('a hidden page (decision 81)', () => {
  test('tells its worker (hidden with the hold, visible again), stops its probe, and pings at once when shown', async () => {
    const { clock, page, connection } = await supervised(100)
    expect(clock.pending()).toEqual([100])
    page.visible?.(true)
    await until(() => worker.told.length === 1, 'hidden told')
    expect(worker.told).toEqual([{ hidden: true, holdMs: 1000 }])
    expect(clock.pending()).toEqual([]) // no probe: a hidden, idle tab runs no timer
    clock.advance(60_000)
    expect(worker.names()).toEqual(['attach'])
    page.visible?.(false)
    await until(() => worker.names().at(-1) === 'ping', 'the ping on showing')
    await until(() => clock.pending().length === 1, 'the probe re-armed')
    expect(clock.pending()).toEqual([100])
    expect(worker.told).toEqual([{ hidden: true, holdMs: 1000 }, { hidden: false }])
    expect(connection().closed).toBe(false)
  })

  test('a tab hidden when it attaches says so before the attach, and arms no probe', async () => {
    const { clock } = await supervised(100, { hidden: true, hiddenBatchMs: 250 })
    await until(() => worker.told.length === 1, 'hidden told')
    expect(worker.told).toEqual([{ hidden: true, holdMs: 250 }])
    expect(clock.pending()).toEqual([])
  })

  test('hiddenBatchMs 0: the worker is never told; without Web Locks the probe keeps running while hidden', async () => {
    const { clock, page } = await supervised(100, { hiddenBatchMs: 0, locks: false })
    page.visible?.(true)
    clock.advance(100)
    await until(() => worker.names().at(-1) === 'ping', 'the probe while hidden')
    expect(worker.told).toEqual([])
  })
})

describe('warm (a cold start)', () => {
  test('a tab about to subscribe says so in its attach; one that is not says false', async () => {
    let wants = true
    await supervised(0, { wantsSocket: () => wants })
    await until(() => worker.warm.length === 1, 'attached')
    expect(worker.warm).toEqual([true])
    wants = false
    worker.restart('w2')
    worker.emit([], 'w2') // a stranger's event: the tab recovers on a new connection
    await until(() => worker.names('w2').includes('attach'), 'attached again')
    expect(worker.warm).toEqual([true, false])
    // and on the events port, nothing: the argument replaced the WarmMessage
    expect(worker.told).toEqual([])
  })
})
