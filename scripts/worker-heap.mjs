// A SharedWorker's JS heap over CDP, for the benchmarks (scripts/bench.mjs) and the load test
// (e2e/faults/load.spec.ts).

/**
 * The SharedWorker targets whose script URL starts with `urlPrefix` (the browser-level session
 * sees every target); for each, its JS heap after a GC, read over a non-flattened session
 * (Playwright's CDPSession cannot address a flattened child session).
 * @param {import('playwright').CDPSession} browserSession from `browser.newBrowserCDPSession()`
 * @param {string} urlPrefix
 * @returns {Promise<number>} bytes, summed over the workers found
 */
export async function sharedWorkerHeap(browserSession, urlPrefix) {
  const { targetInfos } = await browserSession.send('Target.getTargets')
  const workers = targetInfos.filter((t) => t.type === 'shared_worker' && t.url.startsWith(urlPrefix))
  let total = 0
  for (const worker of workers) {
    const { sessionId } = await browserSession.send('Target.attachToTarget', {
      targetId: worker.targetId,
      flatten: false,
    })
    let nextId = 1
    /** @type {Map<number, (value: any) => void>} */
    const pending = new Map()
    /** @param {{ sessionId: string, message: string }} event */
    const onMessage = (event) => {
      if (event.sessionId !== sessionId) return
      const message = JSON.parse(event.message)
      pending.get(message.id)?.(message)
      pending.delete(message.id)
    }
    browserSession.on('Target.receivedMessageFromTarget', onMessage)
    /** @param {string} method @param {object} [params] @returns {Promise<any>} */
    const call = (method, params = {}) =>
      new Promise((resolveCall, reject) => {
        const id = nextId++
        pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolveCall(m.result)))
        void browserSession.send('Target.sendMessageToTarget', {
          sessionId,
          message: JSON.stringify({ id, method, params }),
        })
      })
    try {
      await call('HeapProfiler.collectGarbage')
      total += (await call('Runtime.getHeapUsage')).usedSize
    } finally {
      browserSession.off('Target.receivedMessageFromTarget', onMessage)
      await browserSession.send('Target.detachFromTarget', { sessionId })
    }
  }
  return total
}
