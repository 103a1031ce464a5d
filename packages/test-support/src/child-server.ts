// The dev server as a child process (its CLI, admin on), for the fault that no admin call can
// play: the process killed (SIGKILL) and started again on the same port. Its keys come from the
// default development secret, so they are the same after every start. Used by the engine's
// fault tests and by the e2e tests (with the demo routes, and a database kept across restarts).

import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const BIN = join(
  dirname(createRequire(import.meta.url).resolve('@shared-realtime/server/package.json')),
  'bin',
  'shared-realtime-server.mjs',
)

export interface ChildServerOptions {
  /** More CLI flags (e.g. `--demo`, `--no-limits`). */
  args?: string[]
  /** Keep the embedded database in a temporary directory, so it survives a kill (removed by stop()). */
  persistent?: boolean
}

export class ChildServer {
  url = ''
  httpUrl = ''
  keys = { anon: '', service_role: '' }
  jwtSecret = 'super-secret-jwt-token-with-at-least-32-characters-long'
  #child: ChildProcess | undefined
  #port = 0
  readonly #args: string[]
  readonly #data: string | undefined

  constructor(options: ChildServerOptions = {}) {
    this.#data = options.persistent ? mkdtempSync(join(tmpdir(), 'shared-realtime-child-')) : undefined
    this.#args = [...(options.args ?? []), ...(this.#data ? ['--data', this.#data] : [])]
  }

  /** The port of the last start (the same on every restart). */
  get port(): number {
    return this.#port
  }

  /** Starts the server (on the port of the previous start, else any free one); resolves once it listens. */
  start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(
      process.execPath,
      [BIN, '--port', String(this.#port), '--admin', '--log', 'silent', ...this.#args],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    )
    this.#child = child
    let out = ''
    let err = ''
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the dev server did not start within ${timeoutMs} ms: ${out}${err}`)),
        timeoutMs,
      )
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`the dev server exited (${code}) before listening: ${err}`))
      })
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        const http = /realtime: (http:\/\/[^\s]+)/.exec(out)?.[1]
        const anon = /anon key: (\S+)/.exec(out)?.[1]
        const service = /service_role key: (\S+)/.exec(out)?.[1]
        if (!http || !anon || !service || !out.includes('admin:')) return
        clearTimeout(timer)
        this.httpUrl = http
        this.url = `${http.replace(/^http/, 'ws')}/realtime/v1`
        this.#port = Number(new URL(http).port)
        this.keys = { anon, service_role: service }
        resolve()
      })
    })
  }

  /** SIGKILL: no close frame, no drain; resolves once the process is gone. */
  kill(): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
    return new Promise((resolve) => {
      child.removeAllListeners('exit')
      child.once('exit', () => resolve())
      child.kill('SIGKILL')
    })
  }

  /** Stops it for good (SIGTERM) and removes its data directory. */
  async stop(): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        child.removeAllListeners('exit')
        child.once('exit', () => resolve())
        child.kill('SIGTERM')
      })
    }
    if (this.#data) rmSync(this.#data, { recursive: true, force: true })
  }
}
