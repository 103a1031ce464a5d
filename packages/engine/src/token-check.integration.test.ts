// A forged token (well formed, signed with another secret) set by one tab, against the real dev server
// on port 0 (token-check.ts, issue #13): the calling tab's setAuth rejects, the other tab's channel stays
// joined and keeps receiving on the same socket; and when the probe cannot be made (no room for it on
// the socket), the server's shutdown of the channel is rolled back to the last good token.

import { startServer, type RunningServer } from '@shared-realtime/server'
import { signJwt } from '@shared-realtime/test-support/faults'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { type Engine, type EngineOptions, TokenRefusedError } from './index.ts'
import { isStatus, openTab, type TestTab } from './test-support/tabs.ts'
import { liveEngines } from './test-support/live.ts'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ port: 0, log: 'silent' })
})
afterAll(() => server.close())

const onServer = liveEngines()
const newEngine = (options: Partial<EngineOptions> = {}): Engine => onServer(server, options)

const spec = () => ({ config: { broadcast: { ack: true } }, postgres: [], presence: false }) as never
const good = () => signJwt(server.jwtSecret, { sub: 'user-1' })
const forged = () => signJwt('not-the-project-secret-at-all-not-the-project-secret', { sub: 'user-1' })
const received = (t: TestTab, sub: string) => t.of('broadcast', sub).map((e) => (e.payload.payload as { n: number }).n)

/** Tabs a and b of one engine on `topic`, joined with a good token set by a; a sender on an engine of its own. */
async function scene(topic: string, options: Partial<EngineOptions> = {}) {
  const e = newEngine(options)
  const a = openTab(e, 'a')
  const b = openTab(e, 'b')
  await a.session.setAuth(good())
  a.session.subscribe('sa', topic, spec())
  b.session.subscribe('sb', topic, spec())
  await a.next(isStatus('sa', 'SUBSCRIBED'))
  await b.next(isStatus('sb', 'SUBSCRIBED'))
  const sender = openTab(newEngine({ params: { apikey: server.keys.anon, sender: '1' } }), 'sender')
  sender.session.subscribe('out', topic, spec())
  await sender.next(isStatus('out', 'SUBSCRIBED'))
  let n = 0
  const send = async () => {
    n++
    expect(await sender.session.send('out', { type: 'broadcast', event: 'msg', payload: { n } })).toBe('ok')
    return n
  }
  return { e, a, b, send }
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`not within 5 s: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

const errorsOf = (t: TestTab) => t.events.filter((e) => e.type === 'status' && e.status !== 'SUBSCRIBED')

describe('a forged token via setAuth, against the dev server', () => {
  test('probed: only the caller’s setAuth rejects (JwtSignatureError); both tabs stay joined and keep receiving', async () => {
    const { e, a, b, send } = await scene(`realtime:forged-${Date.now()}`)
    await send()
    await until(() => received(a, 'sa').length === 1 && received(b, 'sb').length === 1, 'the first message')

    const refused = await a.session.setAuth(forged()).then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(refused).toBeInstanceOf(TokenRefusedError)
    expect(refused).toMatchObject({ kind: 'token-refused', reason: expect.stringContaining('JwtSignatureError') })

    for (let i = 0; i < 5; i++) await send()
    await until(() => received(a, 'sa').length === 6 && received(b, 'sb').length === 6, 'five more messages')
    expect(received(b, 'sb')).toEqual([1, 2, 3, 4, 5, 6])
    expect(errorsOf(a)).toEqual([])
    expect(errorsOf(b)).toEqual([])
    expect(e.counters.connects).toBe(1)
    expect(e.inspect().channels).toMatchObject([{ state: 'joined' }])
    expect(e.inspect().tokenProbes).toMatchObject({ active: 0, refused: 1 })
    // the engine's token is still the good one: a new channel joins with it
    b.session.subscribe('later', `realtime:later-${Date.now()}`, spec())
    await b.next(isStatus('later', 'SUBSCRIBED'))
  }, 15_000)

  test('unprobed (no room for a probe on the socket): the server’s shutdown is rolled back and the channel rejoins', async () => {
    const { e, a, b, send } = await scene(`realtime:forged-full-${Date.now()}`, { maxChannels: 1 })
    await a.session.setAuth(forged()) // no probe: resolves, pushed to the channel
    const notice = await a.next(
      (ev) => ev.type === 'system' && String((ev.payload as { message?: unknown }).message).includes('setAuth()'),
    )
    expect(notice).toMatchObject({ payload: { status: 'error' } })
    await b.next(isStatus('sb', 'SUBSCRIBED')) // the rejoin
    await a.next(isStatus('sa', 'SUBSCRIBED'))
    for (let i = 0; i < 3; i++) await send()
    await until(() => received(b, 'sb').length === 3 && received(a, 'sa').length === 3, 'three messages')
    expect(e.counters.connects).toBe(1)
    // the rollback notice went to the tab that set the token, not to the other one
    expect(b.events.some((ev) => ev.type === 'system' && String(ev.payload.message).includes('setAuth()'))).toBe(false)
    expect(b.of('status', 'sb').map((ev) => ev.status)).toEqual(['SUBSCRIBED', 'CHANNEL_ERROR', 'SUBSCRIBED'])
  }, 15_000)
})
