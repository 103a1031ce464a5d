// `npm run bench [-- --quick] [-- --only sockets,latency,…]`: this client against
// @supabase/realtime-js on the same machine, Chromium, dev server and run (issue #7).
//
// Builds apps/bench with Vite, serves it on a free port, starts the dev server in this process
// (port 0, admin on, limits off), launches Chromium (scripts/chromium.mjs) and runs each scenario
// with the clients alternating (A B A B …: warm-up repetitions first, unrecorded), then prints
// the table (median ±half-range over repetitions) and writes bench-results/latest.json and
// bench-results/latest.svg. BENCHMARKS.md explains the method.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { cpus, loadavg, totalmem } from 'node:os'
import { extname, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright'
import { register } from 'tsx/esm/api'
import { build } from 'vite'
import { formatTable, percentile, renderChart, summarize } from './bench-lib.mjs'
import { measureBundles } from './bundle-size.mjs'
import { chromiumLaunchOptions, findChromium } from './chromium.mjs'
import { ensureChromium } from './ensure-chromium.mjs'
import { sharedWorkerHeap } from './worker-heap.mjs'

register() // the dev server is TypeScript; Node 20 cannot strip types itself

const SCENARIOS = ['sockets', 'fanout', 'latency', 'maxrate', 'aggregate', 'heap', 'second-tab', 'bundle']
const HELP = `usage: npm run bench -- [--quick] [--only <scenario,…>] [--profile]
  --quick   fewer repetitions and shorter runs (under 2 minutes)
  --profile an unminified build, and a CDP CPU profile of the tab's main thread in the latency and
            second-tab scenarios: bench-results/<scenario>-<client>.cpuprofile (open in DevTools)
            and the top functions by self time printed
  --only    some of: ${SCENARIOS.join(', ')}
            sockets: WebSockets for 1, 5, 10 tabs; fanout: frames per broadcast and heartbeats, 10 tabs;
            latency: latency + main-thread CPU, 1 tab at 1k msg/s; maxrate: highest sustained msg/s, 1 tab;
            aggregate: msg/s across 8 tabs; heap: JS heap of 10 tabs (+ worker);
            second-tab: subscribe of a 2nd tab to a joined topic; bundle: main-thread bundle size`

/** @returns {{ quick: boolean, only?: string | undefined, profile: boolean, help: boolean }} */
function readArgs() {
  try {
    return parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        only: { type: 'string' },
        profile: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values
  } catch (error) {
    console.error(`npm run bench: ${error instanceof Error ? error.message : String(error)}\n${HELP}`)
    process.exit(2)
  }
}
const args = readArgs()
if (args.help) {
  console.log(HELP)
  process.exit(0)
}
const only = args.only
  ? args.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : SCENARIOS
for (const name of only) {
  if (!SCENARIOS.includes(name)) {
    console.error(`npm run bench: unknown scenario "${name}"\n${HELP}`)
    process.exit(2)
  }
}

const quick = args.quick
const config = {
  warmup: 1,
  reps: quick ? 2 : 5,
  /** messages of the latency/CPU run, sent at 1k msg/s */
  latencyCount: quick ? 1500 : 6000,
  /** the rate ladder of the sustained-rate search, and how long each step lasts */
  rates: [1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000],
  rateStepMs: quick ? 500 : 1500,
  aggregateCount: quick ? 1500 : 5000,
  /** the fan-out scenario's heartbeat interval and how many intervals it counts */
  heartbeatMs: 1000,
  heartbeatIntervals: quick ? 2 : 5,
}

const root = resolve(import.meta.dirname, '..')
const outDir = join(root, 'bench-results')
const started = Date.now()
const loadAtStart = loadavg()[0] ?? 0
/** @param {string} line */
const progress = (line) => console.log(`[${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}`)

// ── the bench app, built and served ────────────────────────────────────────────────────────
const appRoot = join(root, 'apps/bench')
const appDist = join(appRoot, 'dist')
progress(`building apps/bench (${quick ? 'quick' : 'full'} run)…`)
await build({
  configFile: false,
  root: appRoot,
  logLevel: 'warn',
  build: { outDir: appDist, emptyOutDir: true, minify: !args.profile },
})

/** @type {Record<string, string>} */
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' }
const staticServer = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname
  const file = resolve(appDist, `.${path === '/' ? '/index.html' : path}`)
  if (!file.startsWith(appDist)) return void res.writeHead(403).end()
  try {
    const body = readFileSync(file)
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body)
  } catch {
    res.writeHead(404).end()
  }
})
await new Promise((r) => staticServer.listen(0, '127.0.0.1', () => r(undefined)))
const appAddress = staticServer.address()
const appUrl = `http://127.0.0.1:${typeof appAddress === 'object' && appAddress ? appAddress.port : 0}/`

// ── the dev server ─────────────────────────────────────────────────────────────────────────
const { startServer } = await import('@shared-realtime/server')
const realtime = await startServer({ port: 0, admin: true, limits: false, log: 'warn' })

/**
 * @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function admin(path, body) {
  const res = await fetch(`${realtime.httpUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${realtime.keys.service_role}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return res.json()
}
/** @returns {Promise<{ sockets: number, framesIn: number, framesOut: number, heartbeats: number }>} */
const stats = () => admin('/admin/stats')
/**
 * @param {{ topic: string, count: number, ratePerSec?: number, payloadBytes?: number }} request
 * @returns {Promise<{ sent: number, frames: number, startedAt: number, endedAt: number, durationMs: number, rate: number }>}
 */
const blast = (request) => admin('/admin/blast', { event: 'blast', ...request })

// ── the browser ────────────────────────────────────────────────────────────────────────────
// on a fresh machine (as `npm test` does): Debian's Chromium as root, else Playwright's own
if (!ensureChromium()) process.exit(1)
const browser = await chromium.launch(chromiumLaunchOptions())
const browserSession = await browser.newBrowserCDPSession()
progress(
  `Chromium ${browser.version()} (${findChromium()?.path ?? "Playwright's"}), dev server ${realtime.httpUrl}, bench app ${appUrl}`,
)

/** @typedef {'realtime-js' | 'shared-worker' | 'page' | 'none'} Kind */
/** @typedef {import('playwright').Page} Page */
/** @typedef {import('playwright').BrowserContext} BrowserContext */

let topicCounter = 0
const newTopic = () => `bench-${Date.now().toString(36)}-${topicCounter++}`

/** @param {number} ms */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

async function waitForNoSockets() {
  const deadline = Date.now() + 10_000
  while ((await stats()).sockets > 0) {
    if (Date.now() > deadline)
      throw new Error(`the dev server still has ${(await stats()).sockets} sockets 10 s after the tabs closed`)
    await sleep(20)
  }
}

/**
 * A fresh browser context (so a fresh SharedWorker) with `n` bench pages of one client kind.
 * @param {Kind} kind @param {number} n @param {{ heartbeatMs?: number }} [options]
 */
async function openTabs(kind, n, options = {}) {
  await waitForNoSockets()
  const context = await browser.newContext()
  const query = new URLSearchParams({
    client: kind,
    url: realtime.url,
    key: realtime.keys.anon,
    ...(options.heartbeatMs ? { hb: String(options.heartbeatMs) } : {}),
  })
  /** @param {BrowserContext} ctx */
  const open = async (ctx) => {
    const page = await ctx.newPage()
    page.on('pageerror', (error) => progress(`  page error (${kind}): ${error.message}`))
    await page.goto(`${appUrl}?${query}`)
    await page.evaluate(() => window.benchReady)
    return page
  }
  /** @type {Page[]} */
  const pages = []
  for (let i = 0; i < n; i++) pages.push(await open(context))
  return {
    context,
    pages,
    /** opens one more page of the same kind in this context */
    open: () => open(context),
    /** @param {string} topic */
    subscribeAll: (topic) => Promise.all(pages.map((p) => p.evaluate((t) => window.bench.subscribe(t), topic))),
    close: () => context.close(),
  }
}

/** @param {Page} page @param {number} count @param {number} timeoutMs */
const waitFor = (page, count, timeoutMs) =>
  page.evaluate(([c, t]) => window.bench.waitFor(c, t), /** @type {const} */ ([count, timeoutMs]))
/** @param {Page} page @param {number} capacity */
const reset = (page, capacity) => page.evaluate((c) => window.bench.reset(c), capacity)

/**
 * Runs `measure` for every kind alternately: warm-up rounds first (not recorded), then
 * `reps` recorded rounds. Returns, per kind, the list of measurements (objects of numbers).
 * @template {Record<string, number>} T
 * @param {string} name @param {Kind[]} kinds @param {(kind: Kind) => Promise<T>} measure
 * @param {{ warmup?: number, reps?: number }} [options]
 * @returns {Promise<Record<string, T[]>>}
 */
async function alternate(name, kinds, measure, options = {}) {
  const warmup = options.warmup ?? config.warmup
  const reps = options.reps ?? config.reps
  /** @type {Record<string, T[]>} */
  const results = Object.fromEntries(kinds.map((k) => [k, []]))
  for (let rep = -warmup; rep < reps; rep++) {
    for (const kind of kinds) {
      const result = await measure(kind)
      const label = rep < 0 ? 'warm-up' : `rep ${rep + 1}/${reps}`
      progress(
        `${name} ${label} ${kind}: ${Object.entries(result)
          .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(3)}`)
          .join(', ')}`,
      )
      if (rep >= 0) results[kind]?.push(result)
    }
  }
  return results
}

/**
 * @template {Record<string, number>} T
 * @param {Record<string, T[]>} results @param {string} kind @param {keyof T} key
 */
const column = (results, kind, key) => summarize((results[kind] ?? []).map((r) => r[key]))

// ── CDP measurements ───────────────────────────────────────────────────────────────────────

/** @param {Page} page */
async function cdpOf(page) {
  const session = await page.context().newCDPSession(page)
  await session.send('Performance.enable', { timeDomain: 'threadTicks' })
  return session
}

/** @param {import('playwright').CDPSession} session @returns {Promise<{ task: number, script: number }>} main-thread ms */
async function mainThreadTime(session) {
  const { metrics } = await session.send('Performance.getMetrics')
  /** @param {string} name */
  const get = (name) => (metrics.find((m) => m.name === name)?.value ?? 0) * 1000
  return { task: get('TaskDuration'), script: get('ScriptDuration') }
}

/** @param {Page} page @returns {Promise<number>} bytes used on the JS heap after a GC */
async function pageHeap(page) {
  const session = await page.context().newCDPSession(page)
  await session.send('HeapProfiler.collectGarbage')
  const { usedSize } = await session.send('Runtime.getHeapUsage')
  await session.detach()
  return usedSize
}

/** @param {import('playwright').CDPSession} session */
async function startProfile(session) {
  await session.send('Profiler.enable')
  await session.send('Profiler.setSamplingInterval', { interval: 100 })
  await session.send('Profiler.start')
}

/**
 * Stops a CPU profile, writes it and prints the functions with the most self time.
 * @param {import('playwright').CDPSession} session @param {string} name
 */
async function stopProfile(session, name) {
  const { profile } = await session.send('Profiler.stop')
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, `${name}.cpuprofile`), JSON.stringify(profile))
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  /** @type {Map<string, number>} */
  const self = new Map()
  let total = 0
  ;(profile.samples ?? []).forEach((id, i) => {
    const frame = byId.get(id)?.callFrame
    const dt = (profile.timeDeltas ?? [])[i] ?? 0
    total += dt
    if (!frame) return
    const where = frame.url ? ` ${frame.url.replace(/^.*\//, '')}:${frame.lineNumber + 1}` : ''
    const key = `${frame.functionName || '(anonymous)'}${where}`
    self.set(key, (self.get(key) ?? 0) + dt)
  })
  const busy = total - (self.get('(idle)') ?? 0)
  progress(
    `  profile ${name}: ${(busy / 1000).toFixed(1)} ms busy of ${(total / 1000).toFixed(0)} ms sampled; top self time:`,
  )
  for (const [key, us] of [...self]
    .filter(([k]) => k !== '(idle)')
    .toSorted((a, b) => b[1] - a[1])
    .slice(0, 14)) {
    progress(`    ${(us / 1000).toFixed(1).padStart(7)} ms ${((us / busy) * 100).toFixed(0).padStart(3)}%  ${key}`)
  }
}
/**
 * A heap snapshot of one page, summed by V8 node type (code, strings, closures, objects, …): what
 * the JS heap of a tab is made of. Returns kB per type.
 * @param {Page} page
 * @returns {Promise<Record<string, number>>}
 */
async function heapByType(page) {
  const session = await page.context().newCDPSession(page)
  await session.send('HeapProfiler.enable')
  await session.send('HeapProfiler.collectGarbage')
  /** @type {string[]} */
  const chunks = []
  /** @param {{ chunk: string }} event */
  const onChunk = (event) => void chunks.push(event.chunk)
  session.on('HeapProfiler.addHeapSnapshotChunk', onChunk)
  await session.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false })
  session.off('HeapProfiler.addHeapSnapshotChunk', onChunk)
  await session.detach()
  const snapshot = JSON.parse(chunks.join(''))
  const fields = /** @type {string[]} */ (snapshot.snapshot.meta.node_fields)
  const types = /** @type {string[]} */ (snapshot.snapshot.meta.node_types[0])
  const nodes = /** @type {number[]} */ (snapshot.nodes)
  const typeAt = fields.indexOf('type')
  const sizeAt = fields.indexOf('self_size')
  /** @type {Record<string, number>} */
  const byType = {}
  for (let i = 0; i < nodes.length; i += fields.length) {
    const type = types[nodes[i + typeAt] ?? 0] ?? '?'
    byType[type] = (byType[type] ?? 0) + (nodes[i + sizeAt] ?? 0) / 1024
  }
  return byType
}

/** @type {Set<string>} profiles taken (one per scenario and client) */
const profiled = new Set()
/** @param {string} name */
const shouldProfile = (name) => args.profile && !profiled.has(name) && Boolean(profiled.add(name))

// ── scenarios ──────────────────────────────────────────────────────────────────────────────
const THEIRS = /** @type {const} */ ('realtime-js')
const OURS = /** @type {const} */ ('shared-worker')
const PAGE = /** @type {const} */ ('page')

/** @typedef {import('./bench-lib.mjs').Row} Row */
/** @type {Row[]} */
const rows = []
/** @type {Record<string, unknown>} */
const raw = {}

if (only.includes('sockets')) {
  for (const n of [1, 5]) {
    const results = await alternate(
      `sockets/${n} tabs`,
      [THEIRS, OURS],
      async (kind) => {
        const tabs = await openTabs(kind, n)
        await tabs.subscribeAll(newTopic())
        const { sockets } = await stats()
        await tabs.close()
        return { sockets }
      },
      { warmup: 0, reps: quick ? 1 : 2 },
    )
    raw[`sockets-${n}`] = results
    rows.push({
      scenario: `WebSockets the server sees, ${n} tab${n > 1 ? 's' : ''}`,
      theirs: column(results, THEIRS, 'sockets'),
      ours: column(results, OURS, 'sockets'),
      target: { kind: 'abs-max', value: 1, text: '1' },
    })
  }
}

// Ten tabs on one topic: the sockets, the frames per broadcast, the heartbeats and the JS heap of
// the same session (the heap last, after some traffic, so that both clients have run their
// receive paths); and ten tabs without a client, the heap's baseline.
if (only.includes('sockets') || only.includes('fanout') || only.includes('heap')) {
  const NONE = /** @type {const} */ ('none')
  const kinds = /** @type {Kind[]} */ (only.includes('heap') ? [THEIRS, OURS, NONE] : [THEIRS, OURS])
  const results = await alternate(
    '10 tabs',
    kinds,
    async (kind) => {
      const tabs = await openTabs(kind, 10, { heartbeatMs: config.heartbeatMs })
      /** @type {Record<string, number>} */
      const result = {}
      if (kind !== NONE) {
        const topic = newTopic()
        await tabs.subscribeAll(topic)
        result.sockets = (await stats()).sockets
        // frames the server writes per broadcast (the quota Supabase counts), from the blast's own count
        await Promise.all(tabs.pages.map((p) => reset(p, 0)))
        const sent = await blast({ topic, count: 200, ratePerSec: 2000 })
        await Promise.all(tabs.pages.map((p) => waitFor(p, 200, 10_000)))
        result.framesPerBroadcast = sent.frames / sent.sent
        // heartbeats the server receives per heartbeat interval
        if (only.includes('fanout')) {
          const before = await stats()
          await sleep(config.heartbeatMs * config.heartbeatIntervals)
          const after = await stats()
          result.heartbeatsPerInterval = (after.heartbeats - before.heartbeats) / config.heartbeatIntervals
        }
      }
      if (only.includes('heap')) {
        if (shouldProfile(`heap-${kind}`)) {
          const first = /** @type {Page} */ (tabs.pages[0])
          const byType = await heapByType(first)
          progress(
            `  heap snapshot of one ${kind} tab, kB by node type: ${Object.entries(byType)
              .filter(([, kB]) => kB >= 1)
              .toSorted((a, b) => b[1] - a[1])
              .map(([t, kB]) => `${t} ${kB.toFixed(0)}`)
              .join(', ')}`,
          )
        }
        let pages = 0
        for (const page of tabs.pages) pages += await pageHeap(page)
        const worker = kind === OURS ? await sharedWorkerHeap(browserSession, appUrl) : 0
        Object.assign(result, {
          heapMB: (pages + worker) / 1048576,
          pagesMB: pages / 1048576,
          workerMB: worker / 1048576,
        })
      }
      await tabs.close()
      return result
    },
    { warmup: 0 },
  )
  raw.tenTabs = results
  if (only.includes('sockets'))
    rows.push({
      scenario: 'WebSockets the server sees, 10 tabs',
      theirs: column(results, THEIRS, 'sockets'),
      ours: column(results, OURS, 'sockets'),
      target: { kind: 'abs-max', value: 1, text: '1' },
    })
  if (only.includes('fanout')) {
    rows.push({
      scenario: 'server frames per broadcast, 10 tabs',
      theirs: column(results, THEIRS, 'framesPerBroadcast'),
      ours: column(results, OURS, 'framesPerBroadcast'),
      target: { kind: 'abs-max', value: 1, text: '1' },
    })
    rows.push({
      scenario: 'heartbeats per interval, 10 tabs',
      theirs: column(results, THEIRS, 'heartbeatsPerInterval'),
      ours: column(results, OURS, 'heartbeatsPerInterval'),
      target: { kind: 'abs-max', value: 1, text: '1' },
    })
  }
  if (only.includes('heap')) {
    // the same page without a client: what every tab holds anyway (Vite's runtime, the bench's receiver)
    const baseline = column(results, NONE, 'heapMB').median
    /** @param {string} kind */
    const net = (kind) => summarize((results[kind] ?? []).map((r) => (r.heapMB ?? Number.NaN) - baseline))
    rows.push({
      scenario: 'JS heap MB, 10 tabs (+ worker)',
      theirs: column(results, THEIRS, 'heapMB'),
      ours: column(results, OURS, 'heapMB'),
      target: { kind: 'ratio-max', value: 0.5, text: '≤ 0.5×' },
    })
    rows.push({
      scenario: '  the same, above 10 tabs without a client',
      theirs: net(THEIRS),
      ours: net(OURS),
      target: { kind: 'ratio-max', value: 0.5, text: '≤ 0.5×' },
    })
  }
}

if (only.includes('latency')) {
  const count = config.latencyCount
  const results = await alternate('latency/1 tab @1k msg/s', [THEIRS, OURS, PAGE], async (kind) => {
    const tabs = await openTabs(kind, 1)
    const page = /** @type {Page} */ (tabs.pages[0])
    const topic = newTopic()
    await tabs.subscribeAll(topic)
    await reset(page, count)
    const cdp = await cdpOf(page)
    const profile = shouldProfile(`latency-${kind}`)
    if (profile) await startProfile(cdp)
    const before = await mainThreadTime(cdp)
    await blast({ topic, count, ratePerSec: 1000 })
    const got = await waitFor(page, count, 20_000)
    const after = await mainThreadTime(cdp)
    if (profile) await stopProfile(cdp, `latency-${kind}`)
    const latencies = await page.evaluate(() => window.bench.latencies())
    await tabs.close()
    const per10k = 10_000 / Math.max(1, got.received)
    return {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      lost: count - got.received,
      cpuMsPer10k: (after.task - before.task) * per10k,
      scriptMsPer10k: (after.script - before.script) * per10k,
    }
  })
  raw.latency = results
  rows.push({
    scenario: 'latency p50 ms, 1 tab @1k msg/s',
    theirs: column(results, THEIRS, 'p50'),
    ours: column(results, OURS, 'p50'),
    page: column(results, PAGE, 'p50'),
    target: { kind: 'delta-max', value: 0.1, text: '≤ +0.1 ms' },
  })
  rows.push({
    scenario: 'latency p99 ms, 1 tab @1k msg/s',
    theirs: column(results, THEIRS, 'p99'),
    ours: column(results, OURS, 'p99'),
    page: column(results, PAGE, 'p99'),
    target: { kind: 'delta-max', value: 1, text: '≤ +1 ms' },
  })
  rows.push({
    scenario: 'main-thread CPU ms per 10k msgs',
    theirs: column(results, THEIRS, 'cpuMsPer10k'),
    ours: column(results, OURS, 'cpuMsPer10k'),
    page: column(results, PAGE, 'cpuMsPer10k'),
    target: { kind: 'ratio-max', value: 0.6, text: '≤ 0.6×' },
  })
}

if (only.includes('maxrate')) {
  const stepMs = config.rateStepMs
  /**
   * One step of the ladder: `rate` msg/s for stepMs. Sustained means every message arrived, in
   * order, the last one no later than max(100 ms, 10 % of the step) after the server sent it, and
   * the server itself reached 90 % of the rate (else the step says nothing about the client).
   * @param {Page} page @param {string} topic @param {number} rate
   */
  const step = async (page, topic, rate) => {
    const count = Math.max(200, Math.round((rate * stepMs) / 1000))
    await reset(page, 0)
    const sent = await blast({ topic, count, ratePerSec: rate })
    const got = await waitFor(page, count, Math.max(2000, stepMs))
    const lagMs = got.lastAt - sent.endedAt
    const serverOk = sent.rate >= 0.9 * rate
    const ok = got.received === count && got.gaps === 0 && lagMs <= Math.max(100, stepMs * 0.1)
    if (got.received < count) await waitFor(page, count, 10_000) // let a backlog drain before the next step
    return { ok, serverOk, lagMs, received: got.received, count }
  }
  const results = await alternate(
    'maxrate/1 tab',
    [THEIRS, OURS, PAGE],
    async (kind) => {
      const tabs = await openTabs(kind, 1)
      const page = /** @type {Page} */ (tabs.pages[0])
      const topic = newTopic()
      await tabs.subscribeAll(topic)
      let best = 0
      let failedAt = Number.NaN
      let serverLimited = 0
      for (const rate of config.rates) {
        const r = await step(page, topic, rate)
        if (!r.serverOk) {
          serverLimited = 1
          break
        }
        if (!r.ok) {
          failedAt = rate
          break
        }
        best = rate
      }
      // full run: one bisection between the last rate held and the first one missed
      if (!quick && Number.isFinite(failedAt) && best > 0) {
        const mid = Math.round((best + failedAt) / 2)
        const r = await step(page, topic, mid)
        if (r.ok && r.serverOk) best = mid
      }
      await tabs.close()
      return { msgPerSec: best, failedAt, serverLimited }
    },
    { warmup: 0 },
  )
  raw.maxrate = results
  rows.push({
    scenario: 'highest sustained msg/s, 1 tab',
    theirs: column(results, THEIRS, 'msgPerSec'),
    ours: column(results, OURS, 'msgPerSec'),
    page: column(results, PAGE, 'msgPerSec'),
    target: { kind: 'ratio-min', value: 1, text: '≥ 1.0×' },
  })
}

if (only.includes('aggregate')) {
  const count = config.aggregateCount
  const results = await alternate('aggregate/8 tabs', [THEIRS, OURS], async (kind) => {
    const tabs = await openTabs(kind, 8)
    const topic = newTopic()
    await tabs.subscribeAll(topic)
    await Promise.all(tabs.pages.map((p) => reset(p, 0)))
    const sent = await blast({ topic, count, ratePerSec: 0 })
    const got = await Promise.all(tabs.pages.map((p) => waitFor(p, count, 30_000)))
    await tabs.close()
    const received = got.reduce((n, g) => n + g.received, 0)
    const lastAt = Math.max(...got.map((g) => g.lastAt))
    return {
      msgPerSec: received / ((lastAt - sent.startedAt) / 1000),
      lost: count * got.length - received,
      gaps: got.reduce((n, g) => n + g.gaps, 0),
    }
  })
  raw.aggregate = results
  rows.push({
    scenario: 'aggregate msg/s delivered, 8 tabs',
    theirs: column(results, THEIRS, 'msgPerSec'),
    ours: column(results, OURS, 'msgPerSec'),
    target: { kind: 'ratio-min', value: 3, text: '≥ 3×' },
  })
}

if (only.includes('second-tab')) {
  const results = await alternate(
    'second-tab',
    [THEIRS, OURS],
    async (kind) => {
      const tabs = await openTabs(kind, 1)
      const topic = newTopic()
      await tabs.subscribeAll(topic)
      const second = await tabs.open()
      const profile = shouldProfile(`second-tab-${kind}`)
      const cdp = profile ? await cdpOf(second) : undefined
      if (cdp) await startProfile(cdp)
      const before = await stats()
      const ms = await second.evaluate((t) => window.bench.subscribe(t), topic)
      const after = await stats()
      if (cdp) await stopProfile(cdp, `second-tab-${kind}`)
      /** @type {Record<string, number>} */
      const result = { ms, framesSent: after.framesIn - before.framesIn }
      if (kind === OURS) {
        // where the time goes: a third tab attaches first (inspect()), then subscribes
        const third = await tabs.open()
        result.attachMs = await third.evaluate(() => window.bench.attach())
        result.attachedSubscribeMs = await third.evaluate((t) => window.bench.subscribe(t), topic)
      }
      await tabs.close()
      return result
    },
    { reps: quick ? 3 : 7 },
  )
  raw.secondTab = results
  rows.push({
    scenario: '2nd tab subscribe to joined topic, ms',
    theirs: column(results, THEIRS, 'ms'),
    ours: column(results, OURS, 'ms'),
    target: { kind: 'abs-max', value: 5, text: '≤ 5 ms' },
  })
  rows.push({
    scenario: '  the same, tab attached first (inspect())',
    ours: column(results, OURS, 'attachedSubscribeMs'),
    target: { kind: 'abs-max', value: 5, text: '≤ 5 ms' },
  })
  rows.push({
    scenario: '2nd tab subscribe, frames sent',
    theirs: column(results, THEIRS, 'framesSent'),
    ours: column(results, OURS, 'framesSent'),
    target: { kind: 'abs-max', value: 0, text: '0' },
  })
}

await browser.close()
await realtime.close()
staticServer.close()

if (only.includes('bundle')) {
  progress('bundle sizes (Vite production builds, min+gz)…')
  const bundles = await measureBundles()
  raw.bundle = bundles
  /** @param {string} name */
  const kB = (name) => {
    const b = bundles.find((x) => x.name === name)
    return b ? summarize([Math.round((b.mainGz / 1024) * 10) / 10]) : undefined
  }
  rows.push({
    scenario: 'main-thread bundle kB min+gz',
    theirs: kB('@supabase/realtime-js'),
    ours: kB('@shared-realtime/client'),
    target: { kind: 'abs-max', value: 8, text: '≤ 8 kB' },
  })
}

// ── report ─────────────────────────────────────────────────────────────────────────────────
const machine = {
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 1024 ** 3),
  node: process.version,
  chromium: (() => {
    try {
      const path = findChromium()?.path
      return path
        ? execFileSync(path, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
        : 'unknown'
    } catch {
      return 'unknown'
    }
  })(),
  platform: `${process.platform} ${process.arch}`,
  /** the 1-minute load average at the start and at the end: other work on the machine shows here */
  loadAverage: [loadAtStart, loadavg()[0] ?? 0].map((l) => Math.round(l * 100) / 100),
}
const table = formatTable(rows)
const mode = quick ? 'quick' : 'full'
console.log(
  `\n${mode} run, ${new Date().toISOString()}, ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.chromium}, load average ${machine.loadAverage.join(' → ')}`,
)
console.log('median ±half-range over repetitions; ratio = this client (shared-worker host) ÷ realtime-js\n')
console.log(table)
mkdirSync(outDir, { recursive: true })
writeFileSync(
  join(outDir, 'latest.json'),
  `${JSON.stringify({ mode, date: new Date().toISOString(), machine, config, rows, raw }, null, 2)}\n`,
)
writeFileSync(
  join(outDir, 'latest.svg'),
  renderChart(rows, {
    title: `shared-realtime vs realtime-js (${mode} run, ${machine.cpus} cores, ${machine.chromium})`,
  }),
)
progress(`wrote bench-results/latest.json and bench-results/latest.svg`)
process.exit(0) // the in-process dev server's database and Vite leave handles open
