// Runs in the tab. The Web Locks that tell each side of a tab↔worker connection that the
// other one died: the tab holds a lock of its own for as long as it is attached (the worker
// waits on it), and waits on the lock its worker holds for its whole life.

export interface HeldLock {
  /** '' when Web Locks are missing (the worker then relies on goodbyes). */
  name: string
  release(): void
}

function locks(): LockManager | undefined {
  return (globalThis.navigator as { locks?: LockManager } | undefined)?.locks
}

/** Whether this page has Web Locks (a worker's death is then told by its lock, whenReleased). */
export const hasLocks = (): boolean => locks() !== undefined

/** Takes the lock `name` and holds it until release() (or until this page dies). */
export async function holdLock(name: string): Promise<HeldLock> {
  const manager = locks()
  if (!manager) return { name: '', release: () => {} }
  const release = await new Promise<() => void>((granted, refused) => {
    manager.request(name, () => new Promise<void>((done) => granted(done))).catch(refused)
  })
  return { name, release }
}

/** Calls `gone()` once the lock `name` comes free: a worker holds its own for its whole life, so it died. */
export function whenReleased(name: string, gone: () => void): void {
  locks()
    ?.request(name, () => gone())
    .catch(() => {})
}
