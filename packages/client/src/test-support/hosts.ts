// Runs in the tab (Vitest browser projects). Which hosts a host-parametrized browser suite runs for: its own list in
// the `browser` project; only the leader tab in `browser-leader` (issue #18: the same suites once more with
// `host: 'leader'`, in a page without SharedWorker, see no-shared-worker.ts), which provides `hosts`.

import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The hosts the parametrized suites run for, instead of their own list (project `browser-leader`). */
    hosts: readonly string[]
  }
}

/** `own`, unless the project provides another list (`browser-leader`: ['leader']). */
export function hostsUnderTest<const H extends readonly string[]>(own: H): ReadonlyArray<H[number]> {
  const provided = inject('hosts') as readonly string[] | undefined
  // the provided hosts are the client's kinds as well ('leader'); the suites treat them as their own list
  return (provided ?? own) as ReadonlyArray<H[number]>
}

/** False in a project that provides its own hosts: a suite written for one host kind (e.g. the page) skips there. */
export const ownHosts = (): boolean => inject('hosts') === undefined
