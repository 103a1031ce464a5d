// Types for the tab (spawn.ts).
// `extendedLifetime` (SharedWorker option, Chromium): the worker outlives its last client
// for a while, so a single tab's reload keeps the socket (DESIGN.md rule 8). Browsers
// without it ignore the unknown member. TypeScript's DOM lib does not know it yet.
interface WorkerOptions {
  extendedLifetime?: boolean
}
