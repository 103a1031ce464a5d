// Runs in the tab.
// Listeners plus an async-iterable view of the same values: `listen(cb)` returns an
// unsubscribe function; `for await (const v of stream)` sees every value pushed after it began.
// With `current`, both start with the current value when there is one: a listener is called
// with it during listen(), an iterator yields it first. A tab that attaches to a running
// engine learns its state this way, whenever it registers (decision 64).

export class StatusStream<T> implements AsyncIterable<T> {
  readonly #listeners = new Set<(value: T) => void>()
  readonly #current: () => T | undefined

  /** `current`: the value a new listener or iterator starts with (undefined: none yet, it waits for the first push). */
  constructor(current: () => T | undefined = () => undefined) {
    this.#current = current
  }

  listen(listener: (value: T) => void): () => void {
    this.#listeners.add(listener)
    const current = this.#current()
    if (current !== undefined) call(listener, current)
    return () => this.#listeners.delete(listener)
  }

  push(value: T): void {
    for (const listener of Array.from(this.#listeners)) call(listener, value)
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const buffered: T[] = []
    let wake: (() => void) | undefined
    const stop = this.listen((value) => {
      buffered.push(value)
      wake?.()
    })
    return {
      next: async () => {
        while (buffered.length === 0) await new Promise<void>((resolve) => (wake = resolve))
        return { value: buffered.shift()!, done: false }
      },
      return: async () => {
        stop()
        return { value: undefined, done: true }
      },
    }
  }
}

/** A listener that throws is reported in a task of its own: the others still hear the value. */
function call<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value)
  } catch (error) {
    queueMicrotask(() => {
      throw error
    })
  }
}
