// Runs in the tab. Why a worker failed to start, in words (spawn.ts, and leader-spawn.ts in the leader host's chunk:
// a module of its own, so that the chunk does not pull spawn.ts out of the main bundle).

import { EN_DASH } from '@shared-realtime/protocol'

/** Why a worker under Vite's pre-bundled deps does not load, and the fix (both names the package is installed under). */
export const VITE_DEPS_HINT =
  "its script is under Vite's pre-bundled dependencies (node_modules/.vite/deps/), where the worker file does not " +
  'exist (the Vite 5' +
  EN_DASH +
  '7 dev server); fix: in vite.config, `optimizeDeps: { exclude: ' +
  "['@shared-realtime/client'] }` (or `['@supabase/realtime-js']` where supabase-js's realtime-js is aliased to it)"

/** The worker's script URL as this module knows it: `workerUrl`, else this module's own (the bundled entry is beside it). */
export function scriptUrl(workerUrl: string | URL | undefined): string {
  return String(workerUrl ?? import.meta.url)
}

/** Resolves with why the worker `target` failed to start (the Vite hint where its URL says why). */
export function failure(target: EventTarget, what: string, url: string): Promise<Error> {
  return new Promise((resolve) => {
    target.addEventListener(
      'error',
      (event) => {
        const detail = event instanceof ErrorEvent && event.message ? `: ${event.message}` : ''
        const hint = url.includes('/.vite/deps/') ? ` (${VITE_DEPS_HINT})` : ''
        resolve(new Error(`the ${what} failed to start${detail}${hint}`))
      },
      { once: true },
    )
  })
}
