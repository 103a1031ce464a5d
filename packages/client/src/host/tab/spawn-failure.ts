// Runs in the tab. Why a worker failed to start, in words (spawn.ts, and leader-spawn.ts in the leader host's chunk:
// a module of its own, so that the chunk does not pull spawn.ts out of the main bundle). The Vite hint's text is a
// chunk of its own (vite-hint.ts), loaded only by a worker that failed under Vite's pre-bundled deps (decision 83).

/** The worker's script URL as this module knows it: `workerUrl`, else this module's own (the bundled entry is beside it). */
export function scriptUrl(workerUrl: string | URL | undefined): string {
  return String(workerUrl ?? import.meta.url)
}

/** The Vite hint for a worker at `url`, with its parentheses, or '' (also when its chunk does not load). */
async function hintFor(url: string): Promise<string> {
  if (!url.includes('/.vite/deps/')) return ''
  try {
    return ` (${(await import('./vite-hint.ts')).VITE_DEPS_HINT})`
  } catch {
    return ''
  }
}

/** Resolves with why the worker `target` failed to start (the Vite hint where its URL says why). */
export function failure(target: EventTarget, what: string, url: string): Promise<Error> {
  return new Promise((resolve) => {
    target.addEventListener(
      'error',
      (event) => {
        const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : ''
        void hintFor(url).then((hint) => resolve(new Error(`the ${what} failed to start${detail}${hint}`)))
      },
      { once: true },
    )
  })
}
