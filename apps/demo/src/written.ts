// The chat messages this browser wrote as this guest. Only they are stored in Postgres by its tabs, and with the
// text written here, never the one a broadcast carries: a broadcast can claim anyone's user id, and storing it
// would put another user's words in the history under this guest's token (issue #16, decision 72). Kept in
// localStorage, one key per message (no read-modify-write across tabs), so a message sent durably by a tab that
// was closed or reloaded before its echo is still stored by the next tab that sees the echo; the newest 200 are
// kept. Without storage (private mode) the list is this page's own.
const PREFIX = 'shared-realtime-demo:written:'
const MAX = 200

export interface Written {
  text: string
  created_at: string
  /** Stored through REST (by any tab of this browser). */
  stored: boolean
}

function isWritten(value: unknown): value is Written {
  const v = value as Partial<Written> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.text === 'string' &&
    typeof v.created_at === 'string' &&
    typeof v.stored === 'boolean'
  )
}

export class WrittenMessages {
  readonly #prefix: string
  /** Used when localStorage is unavailable. */
  readonly #memory = new Map<string, Written>()

  constructor(userId: string) {
    this.#prefix = `${PREFIX}${userId}:`
  }

  /** The message `id` if this browser wrote it (as this guest). */
  get(id: string): Written | undefined {
    const local = this.#memory.get(id)
    if (local) return local
    try {
      const value: unknown = JSON.parse(localStorage.getItem(this.#prefix + id) ?? 'null')
      return isWritten(value) ? value : undefined
    } catch {
      return undefined
    }
  }

  add(id: string, written: Written): void {
    if (!this.#save(id, written)) this.#memory.set(id, written)
    this.#prune()
  }

  markStored(id: string): void {
    const written = this.get(id)
    if (!written || written.stored) return
    const stored = { ...written, stored: true }
    if (this.#memory.has(id) || !this.#save(id, stored)) this.#memory.set(id, stored)
  }

  #save(id: string, written: Written): boolean {
    try {
      localStorage.setItem(this.#prefix + id, JSON.stringify(written))
      return true
    } catch {
      return false // storage unavailable or full: this page remembers it
    }
  }

  /** Keeps the newest MAX of this guest's messages. */
  #prune(): void {
    try {
      const mine: Array<{ key: string; at: string }> = []
      for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i)
        if (key?.startsWith(this.#prefix))
          mine.push({ key, at: this.get(key.slice(this.#prefix.length))?.created_at ?? '' })
      }
      if (mine.length <= MAX) return
      for (const { key } of mine.toSorted((a, b) => a.at.localeCompare(b.at)).slice(0, mine.length - MAX))
        localStorage.removeItem(key)
    } catch {
      // storage unavailable
    }
  }
}

/** Forgets the messages written by every guest of this browser (sign out: the next guest is a new person). */
export function forgetWritten(): void {
  try {
    const keys: string[] = []
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)
      if (key?.startsWith(PREFIX)) keys.push(key)
    }
    for (const key of keys) localStorage.removeItem(key)
  } catch {
    // storage unavailable: nothing was kept there
  }
}
