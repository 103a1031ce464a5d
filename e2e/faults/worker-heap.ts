// The SharedWorker's JS heap, read over CDP. Playwright's CDP session cannot address a
// flattened child session, so this uses the (deprecated, working) non-flattened
// Target.sendMessageToTarget round trip.
import type { Browser } from '@playwright/test'

/** Used JS heap of the first shared worker of `origin`, in bytes, after a forced GC. */
export async function workerHeapUsed(browser: Browser, origin: string): Promise<number> {
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = await cdp.send('Target.getTargets')
    const worker = targetInfos.find((t) => t.type === 'shared_worker' && new URL(t.url).origin === origin)
    if (!worker) throw new Error(`no shared worker of ${origin} (targets: ${targetInfos.map((t) => t.type).join(', ')})`)
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })
    let next = 0
    const pending = new Map<number, (result: unknown) => void>()
    cdp.on('Target.receivedMessageFromTarget', (event) => {
      if (event.sessionId !== sessionId) return
      const message = JSON.parse(event.message) as { id?: number; result?: unknown }
      if (message.id !== undefined) pending.get(message.id)?.(message.result)
    })
    const call = (method: string, params: object = {}) =>
      new Promise<unknown>((resolve) => {
        const id = ++next
        pending.set(id, resolve)
        void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
      })
    await call('HeapProfiler.collectGarbage')
    const usage = (await call('Runtime.getHeapUsage')) as { usedSize: number }
    await cdp.send('Target.detachFromTarget', { sessionId })
    return usage.usedSize
  } finally {
    await cdp.detach()
  }
}
