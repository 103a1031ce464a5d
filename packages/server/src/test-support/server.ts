// Starting a dev server for a test file, and tokens for it.
import { afterAll, beforeAll } from 'vitest'
import { signToken } from '../auth/index.ts'
import type { RunningServer } from '../server.ts'
import { startServer } from '../server.ts'
import type { ServerOptions } from '../options.ts'

/** Starts one server (port 0, silent) for the file; the returned object fills in before the tests run. */
export function useServer(options: ServerOptions = {}): { server: RunningServer } {
  const holder = {} as { server: RunningServer }
  beforeAll(async () => {
    holder.server = await startServer({ port: 0, log: 'silent', ...options })
  })
  afterAll(async () => {
    await holder.server?.close()
  })
  return holder
}

export function token(
  server: RunningServer,
  claims: Record<string, unknown>,
  expiresInSeconds = 3600,
): Promise<string> {
  return signToken({ role: 'authenticated', ...claims }, server.jwtSecret, { expiresInSeconds })
}

export async function admin(
  server: RunningServer,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${server.keys.service_role}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : undefined }
}
