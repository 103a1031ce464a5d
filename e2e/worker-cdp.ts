// Running code inside the page's SharedWorker from a test, over CDP. Playwright has no API for shared workers, so
// this attaches to the `shared_worker` target through a browser CDP session (not flattened: Playwright's CDPSession
// cannot address a child session) and calls Runtime.evaluate there. For fault tests only: what it changes in the
// worker is what the test says it simulates.
import type { BrowserContext, CDPSession } from '@playwright/test'

/**
 * Kills the browser's SharedWorker as a crash would (CDP `Target.closeTarget`: its tabs get no error event), once
 * `release` has let go of it (the fixture's own DevTools session would keep it alive). Resolves with when it was
 * killed (Date.now()).
 */
export async function killSharedWorker(cdp: CDPSession, release: (targetId: string) => Promise<void>): Promise<number> {
  const { targetInfos } = (await cdp.send('Target.getTargets')) as {
    targetInfos: Array<{ targetId: string; type: string }>
  }
  const worker = targetInfos.find((t) => t.type === 'shared_worker')
  if (!worker) throw new Error('killSharedWorker: no shared_worker target')
  await release(worker.targetId)
  const killedAt = Date.now()
  await cdp.send('Target.closeTarget', { targetId: worker.targetId })
  return killedAt
}

/** Evaluates `expression` in the (only) SharedWorker of the browser; resolves to its value (returnByValue). */
export async function evaluateInWorker(context: BrowserContext, expression: string): Promise<unknown> {
  const browser = context.browser()
  if (!browser) throw new Error('evaluateInWorker: the context has no browser')
  const cdp = await browser.newBrowserCDPSession()
  try {
    const { targetInfos } = await cdp.send('Target.getTargets')
    const workers = targetInfos.filter((t) => t.type === 'shared_worker')
    if (workers.length !== 1) throw new Error(`evaluateInWorker: ${workers.length} shared workers, expected 1`)
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0]!.targetId, flatten: false })
    const answer = new Promise<{ result?: { result: { value?: unknown }; exceptionDetails?: unknown } }>((resolve) => {
      cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
        const m = JSON.parse(message) as { id?: number }
        if (m.id === 1) resolve(m as never)
      })
    })
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression, returnByValue: true } }),
    })
    const reply = await answer
    if (reply.result?.exceptionDetails)
      throw new Error(`evaluateInWorker: ${JSON.stringify(reply.result.exceptionDetails).slice(0, 500)}`)
    await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined)
    return reply.result?.result.value
  } finally {
    await cdp.detach().catch(() => undefined)
  }
}

/**
 * Makes the worker's next reply to a tab command look like a silent restart, as a tab sees one: `instance` puts
 * another instance id on it (a worker that restarted), `not-attached` turns it into the not-attached error a worker
 * that forgot the tab answers. One reply only; the worker itself keeps running and holds the tab. `fakedReplies`
 * counts the replies rewritten so far.
 */
export function fakeSilentRestart(context: BrowserContext, kind: 'instance' | 'not-attached'): Promise<unknown> {
  return evaluateInWorker(
    context,
    `(() => {
      const post = MessagePort.prototype.postMessage
      MessagePort.prototype.postMessage = function (message, ...rest) {
        const reply = message && message.type === 'RAW' && message.value && typeof message.value.instance === 'string'
        if (!reply) return post.call(this, message, ...rest)
        MessagePort.prototype.postMessage = post
        globalThis.__fakedReplies = (globalThis.__fakedReplies ?? 0) + 1
        const value = ${
          kind === 'instance'
            ? "{ ...message.value, instance: 'restarted-' + message.value.instance }"
            : "{ instance: message.value.instance, ok: false, error: { name: 'RealtimeError', kind: 'not-attached', message: 'this tab is not attached (simulated)' } }"
        }
        return post.call(this, { ...message, value }, ...rest)
      }
      return true
    })()`,
  )
}

/** How many replies `fakeSilentRestart` has rewritten in the worker. */
export const fakedReplies = async (context: BrowserContext): Promise<number> =>
  Number(await evaluateInWorker(context, 'globalThis.__fakedReplies ?? 0'))
