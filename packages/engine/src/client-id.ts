// The per-browser client id (DESIGN.md "Persistence"): a random UUID created the first time
// any engine of this browser opens the storage, then read back by every engine (the
// SharedWorker's, a dedicated worker's, a page's) of that origin. Created with an atomic
// update, so two engines starting together agree on one id. Shown in Engine.inspect().

import type { Logger } from './logger.ts'
import type { Storage } from './storage.ts'

/** Not namespaced: one id per browser (and origin), whatever the endpoint. */
export const CLIENT_ID_KEY = 'client-id'

/** The stored id, created now if there is none; undefined (logged) when the storage fails. */
export function loadClientId(storage: Storage, randomId: () => string, logger: Logger): Promise<string | undefined> {
  const fresh = randomId()
  return storage
    .update<string>(CLIENT_ID_KEY, (current) => (typeof current === 'string' && current.length > 0 ? current : fresh))
    .catch((error: unknown) => {
      logger.warn('could not read or create the client id', error)
      return undefined
    })
}
