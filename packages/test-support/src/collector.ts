// Test helper: collects the payloads a callback receives and waits for the n-th one
// (resolves on arrival; the timeout only turns a missing event into a clear failure).
export function collector<T>() {
  const items: T[] = []
  const waiters: Array<() => void> = []
  return {
    items,
    push: (item: T) => {
      items.push(item)
      for (const wake of waiters.splice(0)) wake()
    },
    async count(n: number, timeoutMs = 10_000): Promise<T[]> {
      const deadline = Date.now() + timeoutMs
      while (items.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} items, got ${items.length}: ${JSON.stringify(items)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now())
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      return items
    },
    /** Waits for an item (arrived or to come) for which `test` holds; resolves with it. */
    async until(test: (item: T) => boolean, timeoutMs = 10_000): Promise<T> {
      const deadline = Date.now() + timeoutMs
      for (let seen = 0; ;) {
        for (; seen < items.length; seen++) if (test(items[seen] as T)) return items[seen] as T
        if (Date.now() > deadline) throw new Error(`no item matched within ${timeoutMs} ms: ${JSON.stringify(items)}`)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))
          waiters.push(() => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
    },
  }
}
