// Browser commands (they run in Node, called from browser tests through `commands`):
// `commands.realtimeAdmin(path, body?)` calls the test dev server's admin API
// (started by scripts/vitest-realtime.ts), so that API needs no CORS opening.
// This file must not import the server: vite.config.ts imports it, and Node cannot load
// the workspace's TypeScript sources at config time.
import type { BrowserCommand } from 'vitest/node'

export const realtimeAdmin: BrowserCommand<[path: string, body?: unknown]> = async (_ctx, path, body) => {
  const httpUrl = process.env.SHARED_REALTIME_TEST_HTTP
  const key = process.env.SHARED_REALTIME_TEST_SERVICE_KEY
  if (!httpUrl || !key) throw new Error('the test dev server is not running (scripts/vitest-realtime.ts)')
  const res = await fetch(`${httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined }
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** `commands.realtimeToken({ sub: 'u1' }, 3600)`: an HS256 JWT for the test dev server (role authenticated unless given). */
export const realtimeToken: BrowserCommand<[claims: Record<string, unknown>, expiresInSeconds?: number]> = async (
  _ctx,
  claims,
  expiresInSeconds = 3600,
) => {
  const { createHmac } = await import('node:crypto')
  const secret = process.env.SHARED_REALTIME_TEST_JWT_SECRET
  if (!secret) throw new Error('the test dev server is not running (scripts/vitest-realtime.ts)')
  const body = { role: 'authenticated', ...claims, exp: Math.floor(Date.now() / 1000) + expiresInSeconds }
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(body)}`
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`
}
