// Runs in the tab.
// Listeners plus an async-iterable view of the same values: `listen(cb)` returns an
// unsubscribe function; `for await (const v of stream)` sees every value pushed after it began.

export class StatusStream<T> implements AsyncIterable<T> {
  readonly #listeners = new Set<(value: T) => void>()

  listen(listener: (value: T) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  push(value: T): void {
    for (const listener of Array.from(this.#listeners)) {
      try {
        listener(value)
      } catch (error) {
        queueMicrotask(() => {
          throw error
        })
      }
    }
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
