// One way to drive tabs in three browser engines, for the cross-engine suite (step `engines`):
//   chromium — Debian's chromium (or CHROMIUM_PATH), puppeteer-core over the DevTools protocol
//   firefox  — Debian's firefox-esr, puppeteer-core over WebDriver BiDi
//   webkit   — Debian's WebKitWebDriver driving WebKitGTK's MiniBrowser under Xvfb, W3C WebDriver
//              classic spoken with plain fetch (no client library: a dozen endpoints)
// Nothing is downloaded: puppeteer-core brings no browser. Each tab is one top-level window of one
// browser profile, so the tabs of an engine share one SharedWorker, as a user's tabs do.
import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core'
import { findEngineBinaries } from '../../scripts/browsers.mjs'
import { chromiumLaunchOptions } from '../../scripts/chromium.mjs'

export type EngineName = 'chromium' | 'firefox' | 'webkit'

export interface Tab {
  /** Evaluates a JavaScript expression in the page; a promise is awaited; the value comes back as JSON. */
  evaluate<T>(expression: string): Promise<T>
  /** Reloads the page and waits for its load event. */
  reload(): Promise<void>
  /** Closes the tab the way a user does (the page gets pagehide). */
  close(): Promise<void>
}

export interface Engine {
  name: EngineName
  /** The browser's own name and version, e.g. "Firefox 153.8.0esr". */
  version: string
  open(url: string): Promise<Tab>
  /**
   * Kills the page's SharedWorker from outside (the tabs are not told), or undefined when the
   * engine's automation protocol has no way to.
   */
  killSharedWorker: (() => Promise<void>) | undefined
  /**
   * Closes every tab and ends their SharedWorker, so the next test starts from a browser with no
   * worker. Chromium keeps a SharedWorker running after its last tab closed (with the socket
   * open until the engine's idle disconnect); a fresh browser context ends it at once.
   */
  reset(): Promise<void>
  close(): Promise<void>
}

export function launch(name: EngineName): Promise<Engine> {
  if (name === 'webkit') return launchWebKit()
  return launchPuppeteer(name)
}

// ── chromium and firefox: puppeteer-core ───────────────────────────────────────────────────────

function puppeteerTab(page: Page): Tab {
  return {
    evaluate: <T>(expression: string) => page.evaluate(expression) as Promise<T>,
    reload: async () => {
      await page.reload({ waitUntil: 'load' })
    },
    close: () => page.close({ runBeforeUnload: false }),
  }
}

async function launchPuppeteer(name: 'chromium' | 'firefox'): Promise<Engine> {
  let browser: Browser
  if (name === 'firefox') {
    const executablePath = findEngineBinaries().firefox
    if (!executablePath) throw new Error('no Firefox: run `node scripts/ensure-browsers.mjs` (Debian: firefox-esr)')
    browser = await puppeteer.launch({ browser: 'firefox', executablePath, headless: true })
  } else {
    const { executablePath, args } = chromiumLaunchOptions()
    if (!executablePath) throw new Error('no Chromium: run `node scripts/ensure-chromium.mjs`')
    browser = await puppeteer.launch({
      browser: 'chrome',
      executablePath,
      headless: true,
      args: ['--no-sandbox', ...args],
    })
  }
  const version = await browser.version()
  let context: BrowserContext = await browser.createBrowserContext()
  return {
    name,
    version,
    open: async (url) => {
      const page = await context.newPage()
      await page.goto(url, { waitUntil: 'load' })
      return puppeteerTab(page)
    },
    killSharedWorker:
      name === 'chromium'
        ? async () => {
            // as e2e/multi-tab.spec.ts does: the DevTools protocol closes the worker's target
            const session = await browser.target().createCDPSession()
            const { targetInfos } = await session.send('Target.getTargets')
            const worker = targetInfos.find((t) => t.type === 'shared_worker')
            if (!worker) throw new Error('no shared_worker target to kill')
            await session.send('Target.closeTarget', { targetId: worker.targetId })
            await session.detach()
          }
        : // WebDriver BiDi has no command that ends a worker: Firefox ESR 153 lists the worker's realm
          // (script.getRealms, type shared-worker) but answers script.evaluate in it with "no such frame"
          undefined,
    reset: async () => {
      await context.close()
      context = await browser.createBrowserContext()
    },
    close: () => browser.close(),
  }
}

// ── webkit: WebKitWebDriver over plain fetch ───────────────────────────────────────────────────

/** A free TCP port on 127.0.0.1 (closed again before it is handed out). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Starts Xvfb on a display it picks itself (-displayfd) and resolves with ":<n>". */
function startXvfb(xvfb: string): Promise<{ display: string; process: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(xvfb, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    let out = ''
    const fd3 = child.stdio[3] as NodeJS.ReadableStream
    fd3.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('\n')) resolve({ display: `:${out.trim()}`, process: child })
    })
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${stderr.trim()}`)))
  })
}

async function waitForDriver(base: string, driver: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (driver.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${driver.exitCode}: ${output()}`)
    try {
      const res = await fetch(`${base}/status`)
      if (res.ok) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`WebKitWebDriver did not answer on ${base}/status within 10 s: ${output()}`)
}

interface WebDriverValue<T> {
  value: T & { error?: string; message?: string }
}

/** The script of an async execute: evaluates `expression`, awaits it, answers `{ ok }` or `{ error }`. */
const asyncScript = (expression: string) => `
  const done = arguments[arguments.length - 1];
  Promise.resolve()
    .then(() => (${expression}))
    .then((value) => done({ ok: value === undefined ? null : JSON.parse(JSON.stringify(value)) }),
          (error) => done({ error: String((error && error.stack) || error) }));`

async function launchWebKit(): Promise<Engine> {
  const { webkitDriver, miniBrowser, xvfb } = findEngineBinaries()
  if (!webkitDriver || !miniBrowser || !xvfb)
    throw new Error('no WebKit: run `node scripts/ensure-browsers.mjs` (Debian: webkit2gtk-driver xvfb)')
  const x = await startXvfb(xvfb)
  const port = await freePort()
  let driverOutput = ''
  const driver = spawn(webkitDriver, [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: x.display },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  driver.stdout?.on('data', (chunk: Buffer) => (driverOutput += chunk.toString()))
  driver.stderr?.on('data', (chunk: Buffer) => (driverOutput += chunk.toString()))
  const base = `http://127.0.0.1:${port}`
  const stop = () => {
    driver.kill('SIGTERM')
    x.process.kill('SIGTERM')
  }
  try {
    await waitForDriver(base, driver, () => driverOutput)
    const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const json = (await res.json()) as WebDriverValue<T>
      if (!res.ok || json.value?.error)
        throw new Error(`WebDriver ${method} ${path}: ${json.value?.error ?? res.status} ${json.value?.message ?? ''}`)
      return json.value
    }
    const created = await call<{ sessionId: string; capabilities: { browserName: string; browserVersion: string } }>(
      'POST',
      '/session',
      {
        capabilities: {
          alwaysMatch: {
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': { binary: miniBrowser, args: ['--automation'] },
          },
        },
      },
    )
    const session = `/session/${created.sessionId}`
    await call('POST', `${session}/timeouts`, { script: 30_000, pageLoad: 30_000 })
    // WebDriver classic has one current window per session: every step on a tab switches to it
    // first, so steps run one at a time, in order.
    let queue: Promise<unknown> = Promise.resolve()
    const serial = <T>(step: () => Promise<T>): Promise<T> => {
      const next = queue.then(step, step)
      queue = next.catch(() => undefined)
      return next
    }
    const onWindow = <T>(handle: string, step: () => Promise<T>) =>
      serial(async () => {
        await call('POST', `${session}/window`, { handle })
        return step()
      })
    // the session's first window stays open on about:blank, so closing every tab never ends the
    // session; it is the current window whenever no step runs (window/new needs a current window)
    const home = await call<string>('GET', `${session}/window`)
    return {
      name: 'webkit',
      version: `WebKitGTK ${created.capabilities.browserVersion}`,
      open: async (url) => {
        const { handle } = await serial(() =>
          call<{ handle: string }>('POST', `${session}/window/new`, { type: 'tab' }),
        )
        await onWindow(handle, () => call('POST', `${session}/url`, { url }))
        return {
          evaluate: async <T>(expression: string) => {
            const result = await onWindow(handle, () =>
              call<{ ok?: T; error?: string }>('POST', `${session}/execute/async`, {
                script: asyncScript(expression),
                args: [],
              }),
            )
            if (result.error !== undefined) throw new Error(result.error)
            return result.ok as T
          },
          reload: async () => {
            await onWindow(handle, () => call('POST', `${session}/refresh`, {}))
          },
          close: async () => {
            await onWindow(handle, async () => {
              await call('DELETE', `${session}/window`)
              await call('POST', `${session}/window`, { handle: home })
            })
          },
        }
      },
      // W3C WebDriver classic has no handle on workers; killing the WebKitWebProcess that starts with the
      // first tab ends the WebDriver session as a page crash
      killSharedWorker: undefined,
      // WebKit ends a SharedWorker with its last tab: closing the tabs is enough
      reset: async () => {
        const handles = await serial(() => call<string[]>('GET', `${session}/window/handles`))
        for (const handle of handles.filter((h) => h !== home))
          await onWindow(handle, async () => {
            await call('DELETE', `${session}/window`)
            await call('POST', `${session}/window`, { handle: home })
          })
      },
      close: async () => {
        await call('DELETE', session).catch(() => undefined)
        stop()
      },
    }
  } catch (error) {
    stop()
    throw error
  }
}
