// The leader host (host 'leader', decision 78) in real Chromium: several same-origin documents (iframes of the test
// page: each its own BroadcastChannel endpoints, Web Locks holder and dedicated Worker, as tabs are) each run a
// RealtimeClient with `host: 'leader'` against the test dev server. One leads and runs the engine's worker; the others
// relay to it. Removing the leader's iframe kills its worker as closing a tab does: another frame leads and the
// others' channels rejoin there with `resubscribed`, with no app code.

import { afterEach, describe, expect, inject, test } from 'vitest'
import { collector } from '@shared-realtime/test-support/collector'
import type * as Client from '../../index.ts'
import type { RealtimeClient } from '../../RealtimeClient.ts'
import type { HostSnapshot } from './link.ts'
import type * as Leader from './leader.ts'

interface Frame {
  readonly iframe: HTMLIFrameElement
  readonly client: RealtimeClient
  readonly leader: typeof Leader
}

const frames: Frame[] = []
afterEach(async () => {
  for (const f of frames.splice(0)) {
    await f.client.removeAllChannels().catch(() => {})
    f.iframe.remove()
  }
})

let frameCount = 0
let run = 0
afterEach(() => void run++)

/**
 * A document of its own running the client module (its own realm: the client's globals are the frame's). `noLocks`:
 * its navigator has no Web Locks, as on a plain-http origin (its Worker keeps its own).
 */
async function frame(noLocks = false): Promise<Frame> {
  const n = frameCount++
  const client = new URL('../../index.ts', import.meta.url).href
  const leader = new URL('./leader.ts', import.meta.url).href
  const iframe = document.createElement('iframe')
  const ready = new Promise<void>((resolve) => {
    const listener = (event: MessageEvent) => {
      if ((event.data as { ready?: number } | null)?.ready !== n) return
      removeEventListener('message', listener)
      resolve()
    }
    addEventListener('message', listener)
  })
  iframe.srcdoc =
    // vitest's transform wraps a module's dynamic import() (select.ts loads the leader chunk so) in its runner's hook
    `<!doctype html><script>window.__vitest_browser_runner__ = { wrapDynamicImport: (load) => load() }</script>` +
    (noLocks ? `<script>Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined })</script>` : '') +
    `<script type="module">` +
    `import * as client from ${JSON.stringify(client)}; import * as leader from ${JSON.stringify(leader)};` +
    `window.modules = { client, leader }; parent.postMessage({ ready: ${n} }, '*')</script>`
  document.body.append(iframe)
  await ready
  const modules = (iframe.contentWindow as unknown as { modules: { client: typeof Client; leader: typeof Leader } })
    .modules
  const { url, anon } = inject('realtime')
  const c = new modules.client.RealtimeClient(url, { params: { apikey: anon, test: `leader-${run}` }, host: 'leader' })
  const f = { iframe, client: c, leader: modules.leader }
  frames.push(f)
  return f
}

function subscribed(channel: Client.RealtimeChannel): Promise<string> {
  return new Promise((resolve) => channel.subscribe((status) => status !== 'CLOSED' && resolve(status)))
}

// oxlint-disable-next-line unicorn/require-post-message-target-origin -- a BroadcastChannel, not a window
const post = (channel: BroadcastChannel, message: unknown) => channel.postMessage(message)

const leaderOf = (snapshot: HostSnapshot) => snapshot.leader

describe("host 'leader'", () => {
  test(
    'three tabs, one leader, one worker and one engine (one socket); inspect() says who leads and since when',
    {
      timeout: 30_000,
    },
    async () => {
      const before = Date.now()
      const [a, b, c] = [await frame(), await frame(), await frame()]
      const topic = `leader-three-${Date.now().toString(36)}`
      for (const f of [a, b, c]) expect(await subscribed(f.client.channel(topic))).toBe('SUBSCRIBED')
      const snapshots = await Promise.all([a, b, c].map((f) => f.client.inspect()))
      for (const [i, f] of [a, b, c].entries()) expect([i, f.client.host]).toEqual([i, 'leader'])
      const [first] = snapshots as [HostSnapshot & { tabCount: number; engineCount: number; name: string }]
      expect(first.name).toBe('shared-realtime-leader-v6')
      for (const s of snapshots as Array<typeof first>) {
        expect(s).toMatchObject({ host: 'leader', instance: first.instance, tabCount: 3, engineCount: 1 })
        expect(s.fallback).toBeUndefined()
        expect(leaderOf(s)?.tab).toBe(leaderOf(first)?.tab)
        expect(leaderOf(s)?.since).toBe(leaderOf(first)?.since)
      }
      // exactly one of them is the leader, and it says so; the first frame, which came first
      expect(snapshots.map((s) => leaderOf(s)?.self)).toEqual([true, false, false])
      expect(leaderOf(first)?.tab).toBe(a.leader.leaderNode().tab)
      expect(leaderOf(first)?.since).toBeGreaterThanOrEqual(before)
      expect(leaderOf(first)?.since).toBeLessThanOrEqual(Date.now())
      // one engine, three sessions on it: one socket for the three tabs
      expect((first.engine as { sessions: unknown[] }).sessions).toHaveLength(3)
    },
  )

  test(
    'the leader tab goes: another leads, the channels rejoin with resubscribed, broadcasts flow again',
    {
      timeout: 60_000,
    },
    async () => {
      const [a, b, c] = [await frame(), await frame(), await frame()]
      const topic = `leader-handover-${Date.now().toString(36)}`
      const system = collector<string>()
      const got = collector<unknown>()
      const atB = b.client
        .channel(topic)
        .on('system', {}, (m: { message?: string }) => system.push(String(m.message)))
        .on('broadcast', { event: 'msg' }, (m: { payload: unknown }) => got.push(m.payload))
      const atC = c.client.channel(topic, { config: { broadcast: { ack: true } } })
      expect(await subscribed(a.client.channel(topic))).toBe('SUBSCRIBED')
      expect(await subscribed(atB)).toBe('SUBSCRIBED')
      expect(await subscribed(atC)).toBe('SUBSCRIBED')
      const old = await b.client.inspect()
      expect(leaderOf(old)).toMatchObject({ tab: a.leader.leaderNode().tab, self: false })

      // the leader's tab closes (its document, its locks and its worker go)
      frames.splice(frames.indexOf(a), 1)
      a.iframe.remove()

      await system.until((message) => message === 'resubscribed', 30_000)
      const now = await b.client.inspect()
      expect(now.instance).not.toBe(old.instance)
      const next = leaderOf(now)
      expect([b.leader.leaderNode().tab, c.leader.leaderNode().tab]).toContain(next?.tab)
      expect(next?.since).toBeGreaterThanOrEqual(leaderOf(old)?.since ?? Number.POSITIVE_INFINITY)
      expect((await c.client.inspect()).leader?.tab).toBe(next?.tab)
      // a broadcast sent after the hand-over arrives
      await atC.send({ type: 'broadcast', event: 'msg', payload: { after: 'hand-over' } })
      expect(await got.count(1)).toEqual([{ after: 'hand-over' }])
    },
  )

  test(
    'malformed and foreign BroadcastChannel messages are dropped; the tabs keep working',
    {
      timeout: 30_000,
    },
    async () => {
      const [a, b] = [await frame(), await frame()]
      const topic = `leader-garbage-${Date.now().toString(36)}`
      const got = collector<unknown>()
      const atB = b.client
        .channel(topic)
        .on('broadcast', { event: 'msg' }, (m: { payload: unknown }) => got.push(m.payload))
      const atA = a.client.channel(topic, { config: { broadcast: { ack: true } } })
      expect(await subscribed(atA)).toBe('SUBSCRIBED')
      expect(await subscribed(atB)).toBe('SUBSCRIBED')
      const node = a.leader.leaderNode()
      expect(node.leading).toBe(true)
      const droppedBefore = node.dropped
      // another app's message, garbage, a forged relay message for a connection nobody opened, a forged announcement
      const control = new BroadcastChannel(a.leader.CONTROL_CHANNEL)
      const inbox = new BroadcastChannel(a.leader.inboxOf(node.tab))
      post(control, { hello: 'another app' })
      post(control, 'garbage')
      post(control, { type: 'leader', tab: node.tab, since: 1 })
      post(inbox, 42)
      post(inbox, { type: 'msg', up: true, from: 'forged', conn: 'nope', port: 0, data: { type: 'APPLY' } })
      post(inbox, { type: 'open', up: true, from: 'x'.repeat(500), conn: 'c' })
      const dropped = () => node.dropped - droppedBefore
      await expect.poll(dropped).toBeGreaterThanOrEqual(6)
      control.close()
      inbox.close()
      // the leader still leads, and both tabs still talk
      expect(node.leading).toBe(true)
      await atA.send({ type: 'broadcast', event: 'msg', payload: { n: 1 } })
      expect(await got.count(1)).toEqual([{ n: 1 }])
      expect(leaderOf(await b.client.inspect())?.tab).toBe(node.tab)
    },
  )

  test(
    'without Web Locks (plain http): a lease elects one leader for all tabs, and a closing leader hands over',
    {
      timeout: 90_000,
    },
    async () => {
      const tabs = [await frame(true), await frame(true), await frame(true)]
      const topic = `leader-lease-${Date.now().toString(36)}`
      const channels = tabs.map((f) => f.client.channel(topic, { config: { broadcast: { ack: true } } }))
      for (const ch of channels) expect(await subscribed(ch)).toBe('SUBSCRIBED')
      const snapshots = await Promise.all(tabs.map((f) => f.client.inspect()))
      expect(new Set(snapshots.map((s) => s.instance)).size).toBe(1)
      expect(snapshots.map((s) => (s as { tabCount?: number }).tabCount)).toEqual([3, 3, 3])
      expect(snapshots.filter((s) => leaderOf(s)?.self)).toHaveLength(1)
      // the leader's tab closes: it resigns on pagehide, another leads; the others' links notice at their next command
      const leading = tabs.findIndex((f) => f.leader.leaderNode().leading)
      const [gone] = tabs.splice(leading, 1) as [Frame]
      channels.splice(leading, 1)
      frames.splice(frames.indexOf(gone), 1)
      gone.iframe.remove()
      const [b, c] = tabs as [Frame, Frame]
      const system = collector<string>()
      const got = collector<unknown>()
      ;(channels[0] as Client.RealtimeChannel)
        .on('system', {}, (m: { message?: string }) => system.push(String(m.message)))
        .on('broadcast', { event: 'msg' }, (m: { payload: unknown }) => got.push(m.payload))
      await expect
        .poll(() => b.leader.leaderNode().leading || c.leader.leaderNode().leading, { timeout: 10_000 })
        .toBe(true)
      // a command to the dead leader misses its deadline: the link recovers on the new one
      await b.client.inspect().catch(() => {})
      await system.until((message) => message === 'resubscribed', 30_000)
      await c.client.inspect().catch(() => {})
      await expect
        .poll(async () => ((await c.client.inspect()) as { tabCount?: number }).tabCount, { timeout: 30_000 })
        .toBe(2)
      await (channels[1] as Client.RealtimeChannel).send({
        type: 'broadcast',
        event: 'msg',
        payload: { lease: 'after' },
      })
      expect(await got.count(1)).toEqual([{ lease: 'after' }])
    },
  )
})
