// Which host a client gets: see select.ts (SharedWorker → Worker → page, with fallback).
export { createHostLink } from './select.ts'
export type { HostLinkOptions as HostOptions } from './select.ts'
