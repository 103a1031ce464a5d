// Isolation (issue #13): one browser context, one SharedWorker, one socket. Two healthy tabs count a
// steady server broadcast stream (/admin/blast, `{ seq }`) while a third tab misbehaves, one thing after
// another: 150 subscribes at once, 101 channels, 700 sends at once, a 3.5 MB track and broadcast, a
// 3.5 MB durable send, reading other tabs' ids, a forged (well-formed, wrongly signed) token via
// setAuth, signing in as another user (the bad tab moves to that user's socket). Each time: the bad tab gets its typed error (or is paced), the healthy tabs lose nothing and
// see the stream in order, the shared socket is never closed (one connect, no CHANNEL_ERROR or system
// event on the healthy tabs). The dev server runs with Supabase's limits (the e2e run's: 100 channels,
// 100 joins/s, 100 events/s, 3 000 kB payload).
import { createHmac } from 'node:crypto'
import type { Page } from '@playwright/test'
import { recordFault } from '@shared-realtime/test-support/record'
import { expect, test } from '../fixtures.ts'
import { openTabs, subscribe, topicName } from '../lab.ts'
import { admin } from '../realtime.ts'

/** The stream during each misbehaviour: 3 s at 40 msg/s (well under the server's event rate). */
const STREAM = { count: 120, ratePerSec: 40 }
const BIG = 3_500_000

interface Snap {
  tab?: { id: string } | null
  tabCount?: number
  tabs?: Array<{ id: string | null }>
  engine?: { counters?: { connects?: number } }
}
const snapshot = (page: Page) => page.evaluate(() => window.lab.inspect()) as Promise<Snap>

test('a misbehaving tab harms no other tab of its SharedWorker, and the shared socket stays open', async ({
  context,
}) => {
  test.setTimeout(90_000)
  const [bad, ...healthy] = (await openTabs(context, 3)) as [Page, Page, Page]
  const stream = topicName('iso-stream')
  for (const tab of healthy) expect(await subscribe(tab, stream, { count: 'blast' })).toBe('SUBSCRIBED')
  const connectsAtStart = (await snapshot(healthy[0])).engine?.counters?.connects
  expect(connectsAtStart).toBe(1)

  /** Runs `misbehave` in the bad tab during a stream; answers what the bad tab saw and the healthy tabs' losses. */
  async function phase<T>(name: string, fault: string, misbehave: () => Promise<T>) {
    for (const tab of healthy) await tab.evaluate(() => window.lab.resetCounts())
    const startedAt = Date.now()
    const [outcome, blast] = await Promise.all([
      misbehave(),
      admin<{ sent: number }>('/admin/blast', { topic: stream, event: 'blast', ...STREAM }),
    ])
    expect(blast.sent).toBe(STREAM.count)
    const received = () =>
      Promise.all(healthy.map((tab) => tab.evaluate((t) => window.lab.counted()[t]!.received, stream)))
    await expect.poll(async () => Math.min(...(await received())), { timeout: 10_000 }).toBe(STREAM.count)
    const counted = await Promise.all(healthy.map((tab) => tab.evaluate((t) => window.lab.counted()[t]!, stream)))
    const lost = counted.reduce((n, c) => n + (STREAM.count - c.received) + c.outOfOrder, 0)
    const disturbed = await Promise.all(
      healthy.map((tab) =>
        tab.evaluate(
          (t) =>
            // a status other than SUBSCRIBED, a typed error, a system event (resubscribed, gap, shut down)
            window.lab.events.filter(
              (e) =>
                e.topic === t &&
                (e.kind === 'system' ||
                  e.kind === 'status-error' ||
                  (e.kind === 'status' && e.payload !== 'SUBSCRIBED')),
            ),
          stream,
        ),
      ),
    )
    const connects = (await snapshot(healthy[0])).engine?.counters?.connects
    const affected = disturbed.filter((events) => events.length > 0).length
    recordFault(`browser-isolation-${name}`, {
      fault: `${fault}, beside 2 tabs counting a ${STREAM.ratePerSec} msg/s stream`,
      runs: 1,
      recovered: lost === 0 && affected === 0 && connects === 1 ? 1 : 0,
      dataLost: lost,
      recoverMs: [],
      extra: { otherTabsAffected: affected, socketConnects: connects, tookMs: Date.now() - startedAt, outcome },
    })
    expect({ lost, disturbed, connects }).toEqual({ lost: 0, disturbed: [[], []], connects: 1 })
    return outcome
  }

  // (1) 150 subscribes at once: joins paced under the server's join rate (no 1001 close); the union of
  // channels stays at 100 (the stream's topic is one of them), the rest refused with too-many-channels
  const burst = await phase('join-burst', 'a tab subscribes to 150 topics at once', () =>
    subscribeMany(
      bad,
      Array.from({ length: 150 }, (_, i) => topicName(`iso-burst-${i}`)),
      'at once',
    ),
  )
  expect(burst).toEqual({ subscribed: 99, channelError: 51, errorKinds: ['too-many-channels'] })

  // (2) 101 channels, one after another: the 100th and 101st topics of the socket fail, the others stay
  const many = await phase('channel-limit', 'a tab subscribes to 101 topics, one after another', () =>
    subscribeMany(
      bad,
      Array.from({ length: 101 }, (_, i) => topicName(`iso-many-${i}`)),
      'in turn',
    ),
  )
  expect(many).toEqual({ subscribed: 99, channelError: 2, errorKinds: ['too-many-channels'] })

  // the bad tab's own topic for the rest
  const own = topicName('iso-own')
  expect(await subscribe(bad, own)).toBe('SUBSCRIBED')

  // (3) 700 sends at once: paced under the server's event rate (50 at once, then 50/s from an outbox of
  // 100); the rest refused with outbox-full, never a channel shut down for everyone
  const flood = await phase('send-flood', 'a tab sends 700 broadcasts at once', () =>
    bad.evaluate(async (t) => {
      const results = await Promise.allSettled(
        Array.from({ length: 700 }, (_, i) => window.lab.send(t, 'flood', { i })),
      )
      const tally: Record<string, number> = {}
      for (const r of results) {
        const key = r.status === 'fulfilled' ? String(r.value) : String((r.reason as { kind?: string }).kind)
        tally[key] = (tally[key] ?? 0) + 1
      }
      return tally
    }, own),
  )
  // 50 at once + an outbox of 100, and the few the budget refilled while the 700 calls were being made
  expect(Object.keys(flood).toSorted()).toEqual(['ok', 'outbox-full'])
  expect(flood.ok! + flood['outbox-full']!).toBe(700)
  expect(flood.ok).toBeGreaterThanOrEqual(150)
  expect(flood.ok).toBeLessThan(250)

  // (4) a 3.5 MB track and a 3.5 MB broadcast: refused before sending, payload-too-large
  const big = await phase('payload-too-large', 'a tab tracks 3.5 MB of presence and sends a 3.5 MB broadcast', () =>
    bad.evaluate(
      async ([t, size]) => {
        const kindOf = async (act: () => Promise<unknown>) => {
          try {
            return `resolved ${String(await act())}`
          } catch (error) {
            return (error as { kind?: string }).kind
          }
        }
        const blob = 'x'.repeat(size)
        return {
          track: await kindOf(() => window.lab.track(t, { blob })),
          broadcast: await kindOf(() => window.lab.send(t, 'big', { blob })),
        }
      },
      [own, BIG] as const,
    ),
  )
  expect(big).toEqual({ track: 'payload-too-large', broadcast: 'payload-too-large' })

  // (5) a durable send over the server's payload limit: refused before it is stored (no 1009 loop)
  const durable = await phase('durable-too-large', 'a tab makes a 3.5 MB durable send', () =>
    bad.evaluate(
      async ([t, size]) => {
        try {
          return `resolved ${String(await window.lab.send(t, 'big', { blob: 'x'.repeat(size) }, { durable: true }))}`
        } catch (error) {
          return (error as { kind?: string }).kind
        }
      },
      [own, BIG] as const,
    ),
  )
  expect(durable).toBe('payload-too-large')

  // (6) acting for another tab: it cannot even name one; inspect() shows other tabs only as counts
  const ids = await Promise.all(healthy.map(async (tab) => (await snapshot(tab)).tab?.id))
  const seen = await phase('other-tab-ids', "a tab reads inspect() for other tabs' ids", async () => {
    const snap = await snapshot(bad)
    const text = JSON.stringify(snap)
    return {
      tabCount: snap.tabCount,
      otherIds: (snap.tabs ?? []).filter((t) => t.id !== null && t.id !== snap.tab?.id).length,
      leaked: ids.filter((id) => id !== undefined && text.includes(id)).length,
    }
  })
  expect(ids.every((id) => typeof id === 'string')).toBe(true)
  expect(seen).toEqual({ tabCount: 3, otherIds: 0, leaked: 0 })

  // (7) a forged token via setAuth (the anon role, as the API key: the same identity, so the same socket):
  // the engine probes it with a throwaway join before the shared channels get it; the server refuses it,
  // the bad tab's setAuth rejects with token-refused, and every channel stays on the token it had
  const forged = forgedJwt({ role: 'anon' })
  const refused = await phase('forged-token', 'a tab calls setAuth with a forged token (wrong signature)', () =>
    bad.evaluate(async (token) => {
      try {
        await window.lab.client.setAuth(token)
        return { outcome: 'resolved' }
      } catch (error) {
        return { outcome: (error as { kind?: string }).kind, tokenAfter: window.lab.client.accessTokenValue }
      }
    }, forged),
  )
  expect(refused).toEqual({ outcome: 'token-refused', tokenAfter: null })
  // the bad tab's own channel was not shut either: no status change, no system event since its SUBSCRIBED
  const ownEvents = await bad.evaluate((t) => window.lab.events.filter((e) => e.topic === t), own)
  const disturbances = ownEvents.filter(
    (e) => e.kind === 'system' || e.kind === 'status-error' || (e.kind === 'status' && e.payload !== 'SUBSCRIBED'),
  )
  expect({ disturbances, statuses: ownEvents.filter((e) => e.kind === 'status').length }).toEqual({
    disturbances: [],
    statuses: 1,
  })
  expect(await bad.evaluate(() => window.lab.errors)).toEqual([])

  // (8) another user signs in in the bad tab (a valid token, another `sub`): the bad tab moves to that user's engine
  // and socket with its channel (decision 61); the healthy tabs' socket keeps its token and is never closed
  const mallory = signedJwt({ role: 'authenticated', sub: 'mallory' })
  const moved = await phase('another-user', "a tab signs in as another user (setAuth with another sub's token)", () =>
    bad.evaluate(
      async ([token, topic]) => {
        await window.lab.client.setAuth(token)
        const snap = (await window.lab.inspect()) as { engine?: { identity?: string }; engineCount?: number }
        const channel = window.lab.client.getChannels().find((c) => c.topic === `realtime:${topic}`)
        return { identity: snap.engine?.identity, engineCount: snap.engineCount, ownChannel: channel?.state }
      },
      [mallory, own] as const,
    ),
  )
  expect(moved).toEqual({ identity: 'authenticated:mallory', engineCount: 2, ownChannel: 'joined' })
  const healthyEngine = (await healthy[0].evaluate(() => window.lab.inspect())) as { engine?: { identity?: string } }
  expect(healthyEngine.engine?.identity).toBe('anon')
})

/** An HS256 JWT signed with the dev server's default secret (the e2e run's): a real user's token. */
function signedJwt(claims: Record<string, unknown>): string {
  return jwtWith('super-secret-jwt-token-with-at-least-32-characters-long', claims)
}

/** A well-formed HS256 JWT signed with a secret that is not the project's (the server refuses its signature). */
function forgedJwt(claims: Record<string, unknown>): string {
  return jwtWith('not-the-project-secret-not-the-project-secret', claims)
}

function jwtWith(secret: string, claims: Record<string, unknown>): string {
  const b64url = (data: string | Buffer) => Buffer.from(data).toString('base64url')
  const body = { ...claims, exp: Math.floor(Date.now() / 1000) + 3600 }
  const head = `${b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64url(JSON.stringify(body))}`
  return `${head}.${b64url(createHmac('sha256', secret).update(head).digest())}`
}

/**
 * The tab subscribes to `topics` (all at once, or each after the previous one answered), counts the
 * answers and the kinds of the channel errors, then unsubscribes from them all and forgets its events.
 */
function subscribeMany(tab: Page, topics: string[], order: 'at once' | 'in turn') {
  return tab.evaluate(
    async ([names, how]) => {
      const statuses: string[] = []
      if (how === 'at once') statuses.push(...(await Promise.all(names.map((t) => window.lab.subscribe(t)))))
      else for (const t of names) statuses.push(await window.lab.subscribe(t))
      const kinds = window.lab.events
        .filter((e) => e.kind === 'status-error')
        .map((e) => (e.payload as { kind: string }).kind)
      await Promise.all(names.map((t) => window.lab.unsubscribe(t)))
      window.lab.events.length = 0
      return {
        subscribed: statuses.filter((s) => s === 'SUBSCRIBED').length,
        channelError: statuses.filter((s) => s === 'CHANNEL_ERROR').length,
        errorKinds: [...new Set(kinds)],
      }
    },
    [topics, order] as const,
  )
}
