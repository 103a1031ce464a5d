// Runs in the tab. Where the engine lives (DESIGN.md rule 11): the client's `host` option
// picks the kinds to try, best first: 'auto' = a SharedWorker where the browser has one, else
// a leader tab's Worker the origin's tabs share over BroadcastChannel (leader.ts), else a dedicated
// Worker, else the page (also Node, with `transport: ws`). attachHost tries them
// in that order and resolves with the link that attached: a kind whose worker cannot be
// constructed or whose first attach fails (a CSP that forbids workers, a sandboxed iframe, a
// worker script that does not load, Android Chrome without SharedWorker) gives way to the
// next, so an app keeps working with the best host available. The in-page host (the engine
// itself) and the leader host are chunks loaded only when a tab tries them.
// Never silently (decision 67): a link of another kind than the one asked for ('auto': the
// SharedWorker, where the platform has any worker) is reported once, as a warning naming the
// reason and the cost, and as the HostFallback `attached` hears (inspect() shows it).

import type { EngineEvent, Logger, WebSocketLikeConstructor } from '@shared-realtime/engine'
import { asRealtimeError, RealtimeError } from '../../errors.ts'
import type { EngineConfig } from '../protocol.ts'
import type { HostFallback, HostKind, HostLink } from './link.ts'
import { WorkerLink, type WorkerLinkOptions } from './worker-link.ts'

export type HostOption = 'auto' | HostKind

export interface HostLinkOptions extends Omit<WorkerLinkOptions, 'spawn' | 'supervisor'> {
  /** The in-page host's WebSocket (Node: `ws`). Default: globalThis.WebSocket. */
  transport?: WebSocketLikeConstructor
  /** The tab's own log lines (host selection, the worker link's recoveries) and the in-page engine's. */
  logger?: Logger
  /** The `host` option asked for. Default: the first kind tried. */
  asked?: HostOption
  /** Hears the kind that attached and, when it is not the one asked for, why (also warned once). */
  attached?: (kind: HostKind, fallback: HostFallback | undefined) => void
}

const ORDER: readonly HostKind[] = ['shared-worker', 'leader', 'worker', 'page']

/** The host kinds this platform has a constructor for (the page: always; hostCandidates checks its WebSocket). */
export function platformHas(): Record<HostKind, boolean> {
  const g = globalThis as { SharedWorker?: unknown; Worker?: unknown; BroadcastChannel?: unknown }
  const worker = typeof g.Worker === 'function'
  return {
    'shared-worker': typeof g.SharedWorker === 'function',
    leader: worker && typeof g.BroadcastChannel === 'function',
    worker,
    page: true,
  }
}

/** The kind `asked` means here: 'auto' is the SharedWorker wherever the platform has any worker (else the page). */
export function wantedHost(asked: HostOption): HostKind {
  if (asked !== 'auto') return asked
  const has = platformHas()
  return has['shared-worker'] || has.worker ? 'shared-worker' : 'page'
}

/**
 * The kinds to try, best first: `host` ('auto': the best) and those after it that this platform has.
 * @throws {RealtimeError} `host-unavailable` when none fits this platform
 */
export function hostCandidates(host: HostOption, options: Pick<HostLinkOptions, 'transport'> = {}): HostKind[] {
  const g = globalThis as { WebSocket?: unknown }
  const has: Record<HostKind, boolean> = {
    ...platformHas(),
    page: options.transport !== undefined || typeof g.WebSocket === 'function',
  }
  const kinds = ORDER.slice(host === 'auto' ? 0 : ORDER.indexOf(host)).filter((kind) => has[kind])
  if (kinds.length > 0) return kinds
  const why = 'no SharedWorker, Worker or WebSocket (pass `transport`)'
  throw new RealtimeError('host-unavailable', `no "${host}" host here: ${why}`)
}

export async function makeLink(kind: HostKind, options: HostLinkOptions): Promise<HostLink> {
  if (kind === 'leader') {
    // the leader host (election, relay, its worker) is a chunk of its own, loaded only by a tab that tries it
    const { leaderNode } = await import('./leader.ts')
    const node = leaderNode(options.logger, options.workerUrl)
    return new WorkerLink('leader', { ...options, spawn: () => node.spawn(), tab: node.tab })
  }
  if (kind !== 'page') return new WorkerLink(kind, options)
  const transport = options.transport ?? (globalThis as { WebSocket?: WebSocketLikeConstructor }).WebSocket
  if (!transport) {
    throw new RealtimeError('host-unavailable', 'the in-page host needs a WebSocket: pass `transport` (in Node, `ws`)')
  }
  // the in-page engine is a chunk of its own, loaded only by a tab that runs it
  const { PageLink } = await import('./page.ts')
  return new PageLink(transport, options.logger)
}

/**
 * Attaches to one kind: its link, or undefined with why it failed added to the errors; a malformed config, or a
 * failure when that kind is the only one to try, throws.
 */
export type AttachKind = (kind: HostKind) => Promise<HostLink | undefined>

/**
 * Attaches this tab to the first of `kinds` that takes it and resolves with that link; `trying`
 * hears each kind as it is tried. With one kind to try, a failure is that host's own error.
 * The first kind is tried here; the rest of the order, and the fallback's warning and its texts, are a chunk
 * (select-fallback.ts) loaded only when it fails or is not the kind asked for: a normal start loads nothing more.
 * @throws {RealtimeError} `host-unavailable` when no kind attached; a malformed config's `bad-request` at once
 */
export async function attachHost(
  kinds: readonly HostKind[],
  options: HostLinkOptions,
  config: EngineConfig,
  onEvents: (events: EngineEvent[]) => void,
  trying: (kind: HostKind) => void = () => {},
): Promise<HostLink> {
  const first = kinds[0]
  const errors: string[] = []
  const attempt: AttachKind = async (kind) => {
    let link: HostLink | undefined
    try {
      link = await makeLink(kind, options)
      await link.attach(config, onEvents)
      return link
    } catch (error) {
      await link?.detach().catch(() => {})
      // a malformed config fails the same everywhere: no point trying another host
      const malformed = error instanceof RealtimeError && error.kind === 'bad-request'
      if (malformed || kinds.length === 1) throw asRealtimeError(error)
      errors.push(error instanceof Error ? error.message : String(error))
      return undefined
    }
  }
  if (first !== undefined && first === wantedHost(options.asked ?? first)) {
    trying(first)
    const link = await attempt(first)
    if (link) {
      options.attached?.(first, undefined)
      return link
    }
  }
  const { attachFrom } = await import('./select-fallback.ts')
  return attachFrom(kinds, errors, options, trying, {
    attempt,
    platformHas,
    wantedHost,
    order: ORDER,
    RealtimeError,
  })
}
