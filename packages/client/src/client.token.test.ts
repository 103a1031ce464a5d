// A forged token (well formed, signed with another secret) via one client's setAuth, with the in-page host in
// Node (`transport: ws`) against the real dev server (issue #13): two clients of one engine (one socket) and a
// sender on an engine of its own. The calling client's setAuth rejects with kind `token-refused` and keeps its
// previous token; the other client's channel stays joined and keeps receiving.

import { startServer, type RunningServer } from '@shared-realtime/server'
import { collector } from '@shared-realtime/test-support/collector'
import { signJwt } from '@shared-realtime/test-support/faults'
import { afterAll, beforeAll, expect, test } from 'vitest'
import { WebSocket } from 'ws'
import { RealtimeClient, RealtimeError, type RealtimeChannel } from './index.ts'

let server: RunningServer
beforeAll(async () => {
  server = await startServer({ port: 0, log: 'silent' })
})
afterAll(() => server.close())

/** A client on the engine named `engine` (equal params: one engine, one socket). */
const client = (engine: string) =>
  new RealtimeClient(server.url, { params: { apikey: server.keys.anon, test: engine }, transport: WebSocket as never })

const subscribed = (channel: RealtimeChannel) =>
  new Promise<string>((resolve) => channel.subscribe((status) => status !== 'CLOSED' && resolve(status)))

test("setAuth with a forged token: that client's call rejects (token-refused), the other client keeps receiving", async () => {
  const [a, b, sender] = [client('shared'), client('shared'), client('sender')]
  const topic = `forged-${Date.now()}`
  const atA = collector<unknown>()
  const atB = collector<unknown>()
  const statuses: string[] = []
  const chA = a.channel(topic).on('broadcast', { event: 'msg' }, (p) => atA.push(p))
  const chB = b.channel(topic).on('broadcast', { event: 'msg' }, (p) => atB.push(p))
  expect(await subscribed(chA)).toBe('SUBSCRIBED')
  expect(await new Promise((resolve) => chB.subscribe((s) => (statuses.push(s), resolve(s))))).toBe('SUBSCRIBED')
  const out = sender.channel(topic, { config: { broadcast: { ack: true } } })
  expect(await subscribed(out)).toBe('SUBSCRIBED')

  // the anon role, as the API key: the same identity, whatever engine rule applies to identities
  const forged = signJwt('a-secret-that-is-not-the-project-secret-at-all', { role: 'anon' })
  const refused = await a.setAuth(forged).then(
    () => undefined,
    (error: unknown) => error,
  )
  expect(refused).toBeInstanceOf(RealtimeError)
  expect(refused).toMatchObject({ kind: 'token-refused', retryable: false })
  expect((refused as Error).message).toContain('JwtSignatureError')
  expect(a.accessTokenValue).toBeNull() // its previous token, not the refused one

  for (let n = 1; n <= 3; n++) expect(await out.send({ type: 'broadcast', event: 'msg', payload: { n } })).toBe('ok')
  expect((await atB.count(3)).map((p) => (p as { payload: { n: number } }).payload.n)).toEqual([1, 2, 3])
  expect((await atA.count(3)).map((p) => (p as { payload: { n: number } }).payload.n)).toEqual([1, 2, 3])
  expect(statuses).toEqual(['SUBSCRIBED'])
  expect([chA.state, chB.state]).toEqual(['joined', 'joined'])

  // a good token afterwards is accepted
  await a.setAuth(signJwt(server.jwtSecret, { role: 'anon' }))
  for (const c of [a, b, sender]) await c.removeAllChannels()
})
