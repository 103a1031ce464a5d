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
  }
}
