// Chromium driven over `--remote-debugging-pipe` (fd 3: commands in, fd 4: replies and events out,
// each message JSON followed by a NUL byte), for the benchmarks (scripts/bench.mjs). Nothing here
// enables the DevTools `Network` domain: Playwright does on every page it drives, and a page's own
// WebSocket then reports each frame it receives as a DevTools event (built in the renderer,
// forwarded by the browser process), a cost only a client whose socket sits in the page pays.
// The bench uses `Target.*`, `Runtime.evaluate` and, where a row needs them, `Performance`,
// `HeapProfiler` and `Profiler`; none of them instruments a socket.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * A CDP connection over the pipe. `send` addresses the browser (no sessionId) or a flattened
 * session; `on(sessionId | '', method, listener)` listens to events.
 */
export class CdpPipe {
  #nextId = 1
  /** @type {Map<number, { resolve: (v: any) => void, reject: (e: Error) => void, method: string }>} */
  #pending = new Map()
  /** @type {Set<(message: any) => void>} */
  #listeners = new Set()
  #buffer = ''
  /** @type {import('node:stream').Writable} */
  #out

  /** @param {import('node:stream').Writable} out @param {import('node:stream').Readable} input */
  constructor(out, input) {
    this.#out = out
    input.setEncoding('utf8')
    input.on('data', (chunk) => {
      this.#buffer += chunk
      let end
      while ((end = this.#buffer.indexOf('\0')) >= 0) {
        const text = this.#buffer.slice(0, end)
        this.#buffer = this.#buffer.slice(end + 1)
        this.#dispatch(JSON.parse(text))
      }
    })
    input.on('close', () => {
      for (const p of this.#pending.values()) p.reject(new Error(`${p.method}: the browser closed the pipe`))
      this.#pending.clear()
    })
  }

  /** @param {any} message */
  #dispatch(message) {
    if (message.id !== undefined) {
      const p = this.#pending.get(message.id)
      this.#pending.delete(message.id)
      if (!p) return
      if (message.error) p.reject(new Error(`${p.method}: ${message.error.message} ${message.error.data ?? ''}`))
      else p.resolve(message.result)
      return
    }
    for (const listener of this.#listeners) listener(message)
  }

  /**
   * @param {string} method @param {object} [params] @param {string} [sessionId]
   * @returns {Promise<any>}
   */
  send(method, params = {}, sessionId) {
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method })
      this.#out.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`)
    })
  }

  /**
   * Listens to events of one session ('' for the browser); returns a function that stops listening.
   * @param {string} sessionId @param {string} method @param {(params: any) => void} listener
   */
  on(sessionId, method, listener) {
    /** @param {any} m */
    const wrapped = (m) => {
      if (m.method === method && (m.sessionId ?? '') === sessionId) listener(m.params)
    }
    this.#listeners.add(wrapped)
    return () => void this.#listeners.delete(wrapped)
  }

  /**
   * The next event `method` of a session that passes `filter`.
   * @param {string} sessionId @param {string} method @param {(params: any) => boolean} [filter] @param {number} [timeoutMs]
   * @returns {Promise<any>}
   */
  once(sessionId, method, filter = () => true, timeoutMs = 30_000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off()
        reject(new Error(`no ${method} within ${timeoutMs} ms`))
      }, timeoutMs)
      const off = this.on(sessionId, method, (params) => {
        if (!filter(params)) return
        clearTimeout(timer)
        off()
        resolve(params)
      })
    })
  }
}

/**
 * Launches Chromium in its (new) headless mode with the pipe, a fresh profile and none of the
 * switches Playwright adds (no `--disable-background-timer-throttling`,
 * `--disable-renderer-backgrounding`, `--disable-backgrounding-occluded-windows`): a hidden tab is
 * throttled as in a user's browser.
 * @param {{ executablePath: string, args?: string[] }} options
 */
export async function launchPipeBrowser({ executablePath, args = [] }) {
  const profile = mkdtempSync(join(tmpdir(), 'bench-chromium-'))
  const child = spawn(
    executablePath,
    [
      '--headless',
      '--remote-debugging-pipe',
      `--user-data-dir=${profile}`,
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-component-update',
      '--disable-background-networking',
      '--disable-sync',
      '--mute-audio',
      ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
      ...args,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  )
  /** @type {string[]} */
  const stderr = []
  child.stderr?.setEncoding('utf8').on('data', (s) => {
    stderr.push(s)
    if (stderr.length > 50) stderr.shift()
  })
  const cdp = new CdpPipe(
    /** @type {import('node:stream').Writable} */ (child.stdio[3]),
    /** @type {import('node:stream').Readable} */ (child.stdio[4]),
  )
  const exited = new Promise((r) => child.once('exit', r))
  let version
  try {
    version = await Promise.race([
      cdp.send('Browser.getVersion'),
      exited.then(() => {
        throw new Error(`Chromium exited at start:\n${stderr.join('')}`)
      }),
    ])
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    cdp,
    pid: /** @type {number} */ (child.pid),
    version: /** @type {string} */ (version.product),
    close: async () => {
      await cdp.send('Browser.close').catch(() => {})
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
      await exited
      clearTimeout(timer)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

const TICKS = 100 // USER_HZ on Linux (sysconf(_SC_CLK_TCK)); /proc/<pid>/stat counts in these

/**
 * utime + stime of one process in ms, and its parent; undefined when it is gone.
 * @param {number} pid @returns {{ ms: number, ppid: number } | undefined}
 */
export function processCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces and parentheses: split after its last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15
    return { ppid: Number(fields[1]), ms: ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS }
  } catch {
    return undefined
  }
}

/**
 * CPU ms (utime + stime) of `root` and every process below it, by pid, read from /proc.
 * @param {number} root @returns {Map<number, number>}
 */
export function treeCpu(root) {
  /** @type {Map<number, { ms: number, ppid: number }>} */
  const all = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const cpu = processCpu(Number(name))
    if (cpu) all.set(Number(name), cpu)
  }
  /** @type {Map<number, number[]>} */
  const children = new Map()
  for (const [pid, { ppid }] of all) children.set(ppid, [...(children.get(ppid) ?? []), pid])
  /** @type {Map<number, number>} */
  const tree = new Map()
  const stack = [root]
  while (stack.length) {
    const pid = /** @type {number} */ (stack.pop())
    const cpu = all.get(pid)
    if (cpu) tree.set(pid, cpu.ms)
    stack.push(...(children.get(pid) ?? []))
  }
  return tree
}

/**
 * CPU ms the tree spent between two treeCpu() readings: processes started in between count from
 * zero; a process gone before the second reading is lost (the bench reads while its tabs are open).
 * @param {Map<number, number>} before @param {Map<number, number>} after
 */
export function cpuBetween(before, after) {
  let ms = 0
  for (const [pid, value] of after) ms += value - (before.get(pid) ?? 0)
  return ms
}

/** @type {Map<number, string>} */
const kinds = new Map()

/**
 * What a Chromium process is, from its command line: 'browser', 'renderer', 'gpu-process',
 * 'utility:network' (the network service), 'zygote', …
 * @param {number} pid
 */
export function processKind(pid) {
  const known = kinds.get(pid)
  if (known) return known
  let kind = '?'
  try {
    // Chromium rewrites its children's process title: the arguments may be one space-separated string
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/)
    const type = argv.find((a) => a.startsWith('--type='))?.slice(7)
    const sub = argv.find((a) => a.startsWith('--utility-sub-type='))?.slice(19)
    kind = !type ? 'browser' : type === 'utility' && sub ? `utility:${sub.replace(/^.*\./, '')}` : type
  } catch {
    // gone
  }
  kinds.set(pid, kind)
  return kind
}

/**
 * cpuBetween() split by process kind (processKind()), plus the busiest renderer's own share.
 * @param {Map<number, number>} before @param {Map<number, number>} after
 * @returns {Record<string, number>}
 */
export function cpuByKind(before, after) {
  /** @type {Record<string, number>} */
  const byKind = {}
  let busiestRenderer = 0
  for (const [pid, value] of after) {
    const kind = processKind(pid)
    const ms = value - (before.get(pid) ?? 0)
    byKind[kind] = (byKind[kind] ?? 0) + ms
    if (kind === 'renderer') busiestRenderer = Math.max(busiestRenderer, ms)
  }
  // this client's SharedWorker runs in a renderer of its own: the busiest one, when it works hardest
  byKind['renderer (busiest one)'] = busiestRenderer
  return byKind
}
