// Counts what wakes a bench page up, for the background-tab row of scripts/bench.mjs: every
// timer callback (setTimeout, setInterval, requestAnimationFrame, requestIdleCallback) and every
// event callback (addEventListener and on… handlers of sockets, ports, workers, channels) that
// runs. Installed by main.ts before any client loads (only with `?probe=1`), so both clients'
// timers and listeners are wrapped alike. Each callback is one wake-up of the tab's main thread
// at most (several may share a task, so the sum is an upper bound on tasks).

export interface ProbeCounts {
  timers: number
  events: number
  /**
   * by source, e.g. `setTimeout <- heartbeat`, `WebSocket:message`, `MessagePort:message`; a timer's
   * source names the function that set it, from its stack (readable names in the `--profile` build,
   * which is not minified)
   */
  bySource: Record<string, number>
}

/** The function that called the wrapped timer global, from a stack trace (V8's format). */
function caller(): string {
  const line = (new Error().stack ?? '').split('\n')[3] ?? ''
  const match = /at (?:async )?([^\s(]+)/.exec(line)
  return match?.[1] ?? '?'
}

export function installProbe(): ProbeCounts {
  const counts: ProbeCounts = { timers: 0, events: 0, bySource: {} }
  const hit = (kind: 'timers' | 'events', source: string): void => {
    counts[kind]++
    counts.bySource[source] = (counts.bySource[source] ?? 0) + 1
  }
  const w = window as unknown as Record<string, unknown>
  for (const name of ['setTimeout', 'setInterval', 'requestAnimationFrame', 'requestIdleCallback']) {
    const original = w[name] as ((callback: unknown, ...rest: unknown[]) => number) | undefined
    if (typeof original !== 'function') continue
    w[name] = (callback: unknown, ...rest: unknown[]) => {
      const source = `${name} <- ${caller()}`
      return original.call(
        window,
        typeof callback === 'function'
          ? (...a: unknown[]) => {
              hit('timers', source)
              return (callback as (...a: unknown[]) => unknown)(...a)
            }
          : callback,
        ...rest,
      )
    }
  }

  const wrappers = new WeakMap<object, EventListener>()
  const wrap = (target: EventTarget, type: string, listener: EventListenerOrEventListenerObject): EventListener => {
    let wrapper = wrappers.get(listener)
    if (!wrapper) {
      const source = `${target.constructor.name}:${type}`
      wrapper = function (this: unknown, event: Event) {
        hit('events', source)
        return typeof listener === 'function' ? listener.call(this, event) : listener.handleEvent(event)
      }
      wrappers.set(listener, wrapper)
    }
    return wrapper
  }
  const proto = EventTarget.prototype
  const add = proto.addEventListener
  const remove = proto.removeEventListener
  proto.addEventListener = function (type, listener, options) {
    return add.call(this, type, listener ? wrap(this, type, listener) : listener, options)
  }
  proto.removeEventListener = function (type, listener, options) {
    return remove.call(this, type, listener ? (wrappers.get(listener) ?? listener) : listener, options)
  }
  const handlers = ['onmessage', 'onopen', 'onclose', 'onerror', 'onmessageerror']
  for (const ctor of [WebSocket, MessagePort, BroadcastChannel, Worker, Window]) {
    for (const name of handlers) {
      const descriptor = Object.getOwnPropertyDescriptor(ctor.prototype, name)
      if (!descriptor?.set || !descriptor.get) continue
      const { get, set } = descriptor
      Object.defineProperty(ctor.prototype, name, {
        ...descriptor,
        get,
        set(this: EventTarget, value: unknown) {
          set.call(
            this,
            typeof value === 'function' ? wrap(this, name.slice(2), value as EventListener) : (value ?? null),
          )
        },
      })
    }
  }
  return counts
}
