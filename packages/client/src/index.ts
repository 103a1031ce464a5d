// @shared-realtime/client — the realtime-js-compatible API whose engine runs in a
// SharedWorker (issue #5). Nothing is exported yet.
export const PACKAGE_STATUS = 'stub' as const
