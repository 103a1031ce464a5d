// A throwaway PostgreSQL cluster for tests: `initdb` into a fresh temporary directory, then the
// `postgres` server on a free 127.0.0.1 port (unix socket in the same directory, fsync off), run
// as the `postgres` OS user when the tests run as root (the server refuses root; the directory is
// chowned to it). Ready when the server logs that it accepts connections; `stop()` shuts it down
// (fast mode) and removes the directory. The server runs under a small `sh` watchdog that stops
// it when our end of its stdin closes and then removes the directory, so a test process that
// dies, even by SIGKILL, leaves no cluster behind. The install is found by
// scripts/ensure-postgres.mjs (PG_BIN, Debian's /usr/lib/postgresql/*/bin, PATH). Anything that
// prevents the start throws with the reason and the server's log: tests fail, never skip.
import { spawn, type ChildProcess } from 'node:child_process'
import { chown, mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findPostgres } from '../../../../scripts/ensure-postgres.mjs'

export type PostgresCluster = { url: string; stop(): Promise<void> }

const READY = 'database system is ready to accept connections'
const START_TIMEOUT_MS = 60_000

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      )
    })
  })
}

async function postgresUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined
  const line = (await readFile('/etc/passwd', 'utf8')).split('\n').find((l) => l.startsWith('postgres:'))
  const [, , uid, gid] = line?.split(':') ?? []
  if (uid === undefined || gid === undefined) {
    throw new Error('running as root, but there is no `postgres` OS user to run the PostgreSQL server as')
  }
  return { uid: Number(uid), gid: Number(gid) }
}

function run(command: string, args: string[], options: { cwd: string; uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      ...options,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
    })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', reject)
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}:\n${output}`)),
    )
  })
}

function waitReady(child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`PostgreSQL did not start in ${START_TIMEOUT_MS} ms:\n${log()}`)),
      START_TIMEOUT_MS,
    )
    const done = (error?: Error) => {
      clearTimeout(timer)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      if (error) reject(error)
      else resolve()
    }
    const onData = () => {
      if (log().includes(READY)) done()
    }
    const onExit = (code: number | null) =>
      done(new Error(`PostgreSQL exited (${code}) before it was ready:\n${log()}`))
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
    child.once('error', (error) => done(error))
  })
}

// $0 = postgres binary, "$@" = its arguments; fd 3 keeps our stdin for the watchdog (an
// asynchronous list would otherwise read /dev/null). Once the server is gone, so is the directory.
const WATCHDOG =
  'exec 3<&0; "$0" "$@" </dev/null & pid=$!; { read -r _ <&3; kill -INT "$pid" 2>/dev/null; } & ' +
  'wait "$pid"; status=$?; rm -rf "$REALTIME_PG_DIR"; exit "$status"'

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Starts a fresh cluster; `url` connects as superuser `postgres` to database `postgres`. */
export async function startPostgres(): Promise<PostgresCluster> {
  const found = findPostgres()
  if (!found) {
    throw new Error(
      'no PostgreSQL install found: run `node scripts/ensure-postgres.mjs` or set PG_BIN to the directory holding initdb, pg_ctl and postgres',
    )
  }
  const user = await postgresUser()
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCluster(found.bin, user)
    } catch (error) {
      // another process may take the free port before the server binds it: try a new one
      if (attempt >= 3 || !String(error).includes('could not bind')) throw error
    }
  }
}

async function startCluster(bin: string, user: { uid: number; gid: number } | undefined): Promise<PostgresCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'realtime-pg-'))
  const data = join(dir, 'data')
  let child: ChildProcess | undefined
  try {
    if (user) await chown(dir, user.uid, user.gid)
    await run(
      join(bin, 'initdb'),
      ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'],
      { cwd: dir, ...user },
    )
    const port = await freePort()
    const args = ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off']
    args.push('-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'TimeZone=UTC')
    child = spawn('/bin/sh', ['-c', WATCHDOG, join(bin, 'postgres'), ...args], {
      cwd: dir,
      ...user,
      env: { ...process.env, REALTIME_PG_DIR: dir },
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let log = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-20_000)
    })
    await waitReady(child, () => log)
    const server = child
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      async stop() {
        server.stdin?.end()
        await exited(server)
        await rm(dir, { recursive: true, force: true })
      },
    }
  } catch (error) {
    if (child) {
      child.stdin?.end()
      await exited(child)
    }
    await rm(dir, { recursive: true, force: true })
    throw error
  }
}
