// Runs in the tab.
// The tab's side of Comlink's wire protocol (comlink 4.4.2, what the worker exposes its
// TabApi with: ../worker/worker-host.ts, behind ../worker/guard.ts), written out for the few calls a tab
// makes instead of bundling Comlink into every page (1.4 kB min+gz of the main-thread
// bundle): `wrap` calls commands (APPLY of a one-name path, plain RAW arguments, transfer
// lists), `proxy` passes the token provider as a port the worker calls back (APPLY with no
// path; RELEASE when the worker lets go of it). Replies are RAW values or Comlink's `throw`
// handler, rebuilt into an Error as Comlink rebuilds it. GET, SET, CONSTRUCT and nested
// proxies are not needed by a tab and not spoken. The worker side keeps Comlink itself.

/** Where commands go: the SharedWorker's port or the dedicated Worker (Comlink's Endpoint). */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void
  addEventListener(type: 'message', listener: (event: Event) => void): void
  start?(): void
}

type Wire = { type: 'RAW'; value: unknown } | { type: 'HANDLER'; name: 'proxy'; value: MessagePort }
type Reply = { id: string; type: string; name?: string; value: unknown }

const transfers = new WeakMap<object, Transferable[]>()
const proxied = new WeakSet<object>()

/** `value`, sent with `list` transferred (Comlink.transfer). */
export function transfer<T extends object>(value: T, list: Transferable[]): T {
  transfers.set(value, list)
  return value
}

/** `fn`, passed to the worker as a function it calls back (Comlink.proxy). */
export function proxy<T extends () => unknown>(fn: T): T {
  proxied.add(fn)
  return fn
}

function toWire(value: unknown): [Wire, Transferable[]] {
  if (typeof value === 'function' && proxied.has(value)) {
    const { port1, port2 } = new MessageChannel()
    serve(value as () => unknown, port1)
    return [{ type: 'HANDLER', name: 'proxy', value: port2 }, [port2]]
  }
  return [{ type: 'RAW', value }, (typeof value === 'object' && value !== null && transfers.get(value)) || []]
}

/** Comlink's fromWireValue for what a worker answers: a value, or a thrown error. */
function fromWire(reply: Reply): unknown {
  if (reply.type === 'HANDLER' && reply.name === 'throw') {
    const thrown = reply.value as { isError: boolean; value: { message?: string } }
    throw thrown.isError ? Object.assign(new Error(thrown.value.message), thrown.value) : thrown.value
  }
  return reply.value
}

/** Answers the worker's calls of a proxied function on `port`, as Comlink.expose does. */
function serve(fn: () => unknown, port: MessagePort): void {
  port.addEventListener('message', (event: MessageEvent) => {
    const data = event.data as { id?: unknown; type?: unknown } | null
    if (!data || typeof data !== 'object') return
    const reply = (value: object): void => {
      try {
        // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
        port.postMessage({ ...value, id: data.id })
      } catch {
        // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort, not a window
        port.postMessage({
          type: 'HANDLER',
          name: 'throw',
          value: { isError: true, value: { name: 'TypeError', message: 'Unserializable return value' } },
          id: data.id,
        })
      }
    }
    if (data.type === 'RELEASE') {
      reply({ type: 'RAW', value: undefined })
      port.close()
      return
    }
    if (data.type !== 'APPLY') return
    new Promise((resolve) => resolve(fn())).then(
      (value) => reply({ type: 'RAW', value }),
      (error: unknown) => {
        const value =
          error instanceof Error
            ? { isError: true, value: { message: error.message, name: error.name, stack: error.stack } }
            : { isError: false, value: error }
        reply({ type: 'HANDLER', name: 'throw', value })
      },
    )
  })
  port.start()
}

/** The worker's API behind `endpoint`: every property is a command returning the worker's answer. */
export function wrap<T extends object>(endpoint: Endpoint): T {
  const pending = new Map<string, (reply: Reply) => void>()
  let next = 0
  endpoint.addEventListener('message', (event) => {
    const reply = (event as MessageEvent).data as Reply | null
    const settle = reply && pending.get(reply.id)
    if (!settle) return
    pending.delete(reply.id)
    settle(reply)
  })
  const call = (name: string, args: unknown[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = `t${++next}`
      const wires = args.map(toWire)
      pending.set(id, (reply) => {
        try {
          resolve(fromWire(reply))
        } catch (error) {
          reject(error)
        }
      })
      endpoint.start?.()
      try {
        endpoint.postMessage(
          { id, type: 'APPLY', path: [name], argumentList: wires.map((w) => w[0]) },
          wires.flatMap((w) => w[1]),
        )
      } catch (error) {
        pending.delete(id)
        throw error
      }
    })
  // `then` stays undefined: the API object is not a thenable
  return new Proxy(
    {},
    {
      get: (_, name) =>
        typeof name === 'string' && name !== 'then' ? (...args: unknown[]) => call(name, args) : undefined,
    },
  ) as T
}
