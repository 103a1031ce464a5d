// Runs in the tab, in a chunk of its own (decision 83): loaded only when the first host kind attachHost tries
// (select.ts) fails to attach, or is not the one asked for (no SharedWorker here). It tries the rest of the order and
// says why a link of another kind than the one asked for attached (decision 67): once, as a warning naming the
// reason and the cost, and as the HostFallback `attached` hears.

import type { RealtimeError } from '../../errors.ts'
import type { HostFallback, HostKind, HostLink } from './link.ts'
import type { AttachKind, HostLinkOptions, HostOption, platformHas, wantedHost } from './select.ts'

/**
 * What this chunk takes from the main bundle, handed over: a static import of select.ts or errors.ts from here made
 * Rolldown split those modules (and what they share) into chunks of their own, one more request on every start
 * (decision 83).
 */
export interface SelectParts {
  RealtimeError: typeof RealtimeError
  /** Attaches to one kind (select.ts), adding why it failed to the errors it shares with attachFrom. */
  attempt: AttachKind
  platformHas: typeof platformHas
  wantedHost: typeof wantedHost
  order: readonly HostKind[]
}

const LABEL: Record<HostKind, string> = {
  'shared-worker': 'SharedWorker',
  leader: 'leader tab (a Worker shared over BroadcastChannel)',
  worker: 'Worker',
  page: 'page',
}

/** What running on `kind` instead of `wanted` costs, in words. */
function costOf(kind: HostKind, wanted: HostKind): string {
  if (kind === 'leader') {
    return "still one socket per browser, but the other tabs' commands and events hop through the leader tab, and pause while another tab takes over when it closes"
  }
  const shared = wanted === 'shared-worker' || wanted === 'leader'
  const sockets = shared ? 'every tab opens its own socket (3 tabs will hold 3 sockets)' : ''
  const thread =
    kind === 'page' ? "the engine runs on the page's main thread (its timers throttled in background tabs)" : ''
  return [sockets, thread].filter(Boolean).join(', and ')
}

/**
 * The fallback of a link of `kind` when `asked` wanted another, or undefined. `errors`: why each kind tried before
 * it failed to attach.
 */
function fallbackOf(
  parts: SelectParts,
  asked: HostOption,
  kind: HostKind,
  tried: ReadonlyArray<{ kind: HostKind; error: string }>,
): HostFallback | undefined {
  const { order, platformHas, wantedHost } = parts
  const wanted = wantedHost(asked)
  if (kind === wanted) return undefined
  const has = platformHas()
  const reasons = order
    .slice(order.indexOf(wanted), order.indexOf(kind))
    .map((skipped) => {
      if (!has[skipped]) return `this browser has no ${LABEL[skipped]}`
      const failed = tried.find((t) => t.kind === skipped)
      return failed ? `the ${LABEL[skipped]} could not attach: ${failed.error}` : undefined
    })
    .filter((reason): reason is string => reason !== undefined)
  const reason = reasons.join('; ')
  const cost = costOf(kind, wanted)
  const message = `shared-realtime: the engine runs on host '${kind}', not '${wanted}': ${reason}. Cost: ${cost}.`
  return { wanted, kind, reason, cost, message }
}

/**
 * attachHost's rest: tries `kinds` from the first that has not failed yet (`errors`: why each before it failed) and
 * resolves with the link that attached, warning once when it is not the kind asked for.
 * @throws {RealtimeError} `host-unavailable` when no kind attached; a malformed config's `bad-request` at once
 */
export async function attachFrom(
  kinds: readonly HostKind[],
  errors: string[],
  options: HostLinkOptions,
  trying: (kind: HostKind) => void,
  parts: SelectParts,
): Promise<HostLink> {
  for (const [i, kind] of kinds.entries()) {
    if (i < errors.length) continue
    if (i > 0) options.logger?.warn(`host ${kinds[i - 1]} could not attach (${errors.at(-1)}); trying ${kind}`)
    trying(kind)
    const link = await parts.attempt(kind)
    if (!link) continue
    const tried = errors.map((error, j) => ({ kind: kinds[j] as HostKind, error }))
    const fallback = fallbackOf(parts, options.asked ?? (kinds[0] as HostKind), kind, tried)
    // one warning per client, where the app's lines go (its logger, else the console)
    if (fallback) (options.logger ?? console).warn(fallback.message)
    options.attached?.(kind, fallback)
    return link
  }
  const why = errors.map((error, i) => `${kinds[i]}: ${error}`).join('; ')
  throw new parts.RealtimeError('host-unavailable', `no host could attach (${why})`)
}
