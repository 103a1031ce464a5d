// Vitest globalSetup for the browser project: one dev server (embedded Postgres, admin on)
// for the run, its URL and keys provided to browser tests (`inject('realtime')`).

import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { startServer, type RunningServer } from '@shared-realtime/server'

export interface RealtimeInfo {
  url: string
  httpUrl: string
  anon: string
  serviceRole: string
  jwtSecret: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    realtime: RealtimeInfo
  }
}

let server: RunningServer | undefined

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  server = await startServer({
    port: 0,
    log: 'silent',
    admin: true,
    limits: false,
    policies: fileURLToPath(new URL('./test-policies.json', import.meta.url)),
    sql: `create table if not exists todos (id serial primary key, list_id int not null, title text not null, done boolean not null default false);
          alter table todos replica identity full;
          alter publication supabase_realtime add table todos;`,
  })
  // for the realtimeAdmin browser command (scripts/vitest-commands.ts), which runs in this process
  process.env.SHARED_REALTIME_TEST_HTTP = server.httpUrl
  process.env.SHARED_REALTIME_TEST_SERVICE_KEY = server.keys.service_role
  process.env.SHARED_REALTIME_TEST_JWT_SECRET = server.jwtSecret
  project.provide('realtime', {
    url: server.url,
    httpUrl: server.httpUrl,
    anon: server.keys.anon,
    serviceRole: server.keys.service_role,
    jwtSecret: server.jwtSecret,
  })
  return async () => {
    await server?.close()
    server = undefined
  }
}

declare module 'vitest/browser' {
  interface BrowserCommands {
    realtimeAdmin(path: string, body?: unknown): Promise<{ status: number; body: unknown }>
    realtimeToken(claims: Record<string, unknown>, expiresInSeconds?: number): Promise<string>
  }
}
