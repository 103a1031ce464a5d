// The shared-realtime-server command, as a process.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { RawClient } from './test-support/raw-client.ts'

const BIN = fileURLToPath(new URL('../bin/shared-realtime-server.mjs', import.meta.url))
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 })

describe('shared-realtime-server', () => {
  test('--help lists the flags and exits 0', () => {
    const result = run('--help')
    expect(result.status).toBe(0)
    for (const flag of [
      '--port',
      '--jwt-secret',
      '--data',
      '--database-url',
      '--sql',
      '--policies',
      '--admin',
      '--vsn-default',
      '--allowed-host',
      '--allowed-origin',
    ]) {
      expect(result.stdout).toContain(flag)
    }
  })

  test.each([
    [['--port', 'abc'], '--port must be a port number from 0 to 65535, got "abc"'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--jwt-secret', 'short'], 'jwtSecret must be a string of at least 32 characters'],
    [['--host', '0.0.0.0'], 'host 0.0.0.0 is not a loopback address'],
    [
      ['--allowed-origin', 'http://devbox.test:5173/path'],
      'allowedOrigins: "http://devbox.test:5173/path" must be an origin',
    ],
    [
      ['--allowed-host', 'devbox.test:5173'],
      'allowedHosts: "devbox.test:5173" must be a host name or address without a port',
    ],
  ])('%j exits 2 naming the problem', (args, message) => {
    const result = run(...args)
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(message)
  })

  test('starts, prints the URL and keys, serves clients, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, '--port', '0', '--log', 'warn', '--admin'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    const keys = await new Promise<{ url: string; anon: string }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        const url = /realtime: (http:\/\/\S+)/.exec(out)?.[1]
        const anon = /anon key: (\S+)/.exec(out)?.[1]
        if (url && anon && /service_role key: \S+/.test(out)) resolve({ url, anon })
      })
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)))
    })
    const client = await RawClient.connect(`${keys.url.replace('http', 'ws')}/realtime/v1`, keys.anon)
    expect((await client.join('realtime:cli', { config: {} })).payload).toMatchObject({ status: 'ok' })
    await client.close()
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 30_000)
})
