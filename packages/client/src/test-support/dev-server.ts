// The Node client suites' dev server: one per file (port 0, silent, the admin API, the test policies of
// scripts/test-policies.json: `private-room` and `user:{{sub}}` for authenticated users), users' tokens signed with
// its secret, and its socket count.

import { fileURLToPath } from 'node:url'
import { type RunningServer, type ServerOptions, startServer } from '@shared-realtime/server'
import { signJwt } from '@shared-realtime/test-support/faults'
import { afterAll, beforeAll } from 'vitest'

export interface DevServer {
  /** The running server (set before the file's tests run). */
  readonly server: RunningServer
  /** A token of user `sub` (role authenticated unless `claims` says), valid `seconds` from now. */
  userToken(sub: string, seconds?: number, claims?: Record<string, unknown>): string
  /** How many sockets the server holds (its admin API). */
  sockets(): Promise<number>
}

/** Starts the file's dev server in beforeAll (an embedded Postgres: up to 60 s on a busy machine), stops it after. */
export function useDevServer(options: ServerOptions = {}): DevServer {
  let running: RunningServer | undefined
  beforeAll(async () => {
    running = await startServer({
      port: 0,
      log: 'silent',
      admin: true,
      policies: fileURLToPath(new URL('../../../../scripts/test-policies.json', import.meta.url)),
      ...options,
    })
  }, 60_000)
  afterAll(() => running?.close())
  const server = (): RunningServer => {
    if (!running) throw new Error('the dev server is not started yet: use it inside a test')
    return running
  }
  return {
    get server() {
      return server()
    },
    userToken: (sub, seconds = 3600, claims = {}) => signJwt(server().jwtSecret, { sub, ...claims }, seconds),
    async sockets() {
      const res = await fetch(`${server().httpUrl}/admin/stats`, {
        headers: { Authorization: `Bearer ${server().keys.service_role}` },
      })
      return ((await res.json()) as { sockets: number }).sockets
    },
  }
}
