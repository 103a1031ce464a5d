// What the server sends on one topic, routed by event through a table (as Phoenix's
// `chan_reply_<ref>` and y-websocket's `messageHandlers`): a reply goes to the join or leave in
// flight, else to the outbox push with its ref; phx_close and phx_error go to the ChannelMachine;
// presence, postgres changes, broadcasts, system messages and any other event go to the
// subscriptions. A frame for a join_ref that is not the current one is dropped and logged (a
// rejoin's old join closing, say). The router keeps one thing: the last system error, which names
// the shutdown (an expired token, say) of the phx_close that follows it.

import { classifySystemMessage, isRecord, type Message, type ShutdownKind } from '@shared-realtime/protocol'
import type { ChannelDriver } from './channel-driver.ts'
import type { ChannelPresence } from './channel-presence.ts'
import type { Logger } from './logger.ts'
import type { Outbox } from './outbox.ts'
import type { PostgresRouting } from './postgres-routing.ts'
import type { SubscriptionSet } from './subscriptions.ts'

/** The parts of a server channel that inbound frames reach. */
export interface RoutedParts {
  readonly topic: string
  readonly logger: Logger
  readonly channel: ChannelDriver
  readonly outbox: Outbox
  readonly presence: ChannelPresence
  readonly postgres: PostgresRouting
  readonly subscriptions: SubscriptionSet
}

type Shutdown = { kind: ShutdownKind; message: string }

/** One route: `joinRef` is the channel's current one (the frame's was checked against it). */
type Route = (parts: RoutedParts, message: Message, joinRef: string | null, router: ChannelRouter) => void

const reply: Route = ({ channel, outbox, postgres, presence, subscriptions }, { ref, payload }) => {
  if (ref === null || !isRecord(payload)) return
  const status = typeof payload.status === 'string' ? payload.status : 'error'
  switch (channel.answers(ref)) {
    case 'join': {
      if (status === 'ok') {
        postgres.accepted(subscriptions.union, payload.response)
        presence.joinAccepted()
        return channel.dispatch({ type: 'join-ok', ref })
      }
      const response = payload.response
      const reason = isRecord(response) ? Object.values(response).map(String).join(', ') : String(response)
      return channel.dispatch({ type: 'join-error', ref, reason })
    }
    case 'leave':
      return channel.dispatch({ type: 'leave-ok', ref })
    case undefined:
      outbox.reply(ref, status, payload.response)
  }
}

const toSubscriptions: Route = ({ subscriptions }, { event, payload }) =>
  subscriptions.toAll((subId) => ({ type: 'message', sub: subId, event, payload }))

const ROUTES = new Map<string, Route>([
  ['phx_reply', reply],
  [
    'phx_close',
    ({ channel }, message, joinRef, router) => {
      if (joinRef === null || message.join_ref !== joinRef) return
      const shutdown = router.takeShutdown() ?? { kind: 'other', message: 'the server closed the channel' }
      channel.dispatch({ type: 'server-close', joinRef, shutdown: shutdown.kind, message: shutdown.message })
    },
  ],
  [
    'phx_error',
    ({ channel }, message, joinRef) => {
      if (joinRef !== null && message.join_ref === joinRef) channel.dispatch({ type: 'server-error', joinRef })
    },
  ],
  ['presence_state', ({ presence }, { payload }) => presence.receive('state', payload)],
  ['presence_diff', ({ presence }, { payload }) => presence.receive('diff', payload)],
  ['postgres_changes', ({ postgres, subscriptions }, { payload }) => postgres.deliver(payload, subscriptions)],
  [
    'system',
    ({ subscriptions }, { payload }, _joinRef, router) => {
      const error = isRecord(payload) && payload.status === 'error' && payload.extension === 'system'
      if (error && typeof payload.message === 'string') {
        router.noteShutdown({ kind: classifySystemMessage(payload.message), message: payload.message })
      }
      subscriptions.toAll((subId) => ({ type: 'system', sub: subId, payload: isRecord(payload) ? payload : {} }))
    },
  ],
  [
    'broadcast',
    ({ subscriptions }, { payload }) => {
      if (!isRecord(payload)) return
      subscriptions.toAll((subId) => ({ type: 'broadcast', sub: subId, payload: payload as never }))
    },
  ],
])

export class ChannelRouter {
  readonly #parts: RoutedParts
  #lastShutdown: Shutdown | undefined

  constructor(parts: RoutedParts) {
    this.#parts = parts
  }

  receive(message: Message): void {
    const { channel, logger, topic } = this.#parts
    const joinRef = channel.joinRef
    if (message.event !== 'phx_reply' && message.join_ref !== null && message.join_ref !== joinRef) {
      logger.debug(`dropped ${message.event} on ${topic} for stale join_ref ${message.join_ref}`)
      return
    }
    const route = ROUTES.get(message.event) ?? toSubscriptions
    route(this.#parts, message, joinRef, this)
  }

  /** A system error announced why the server is about to close the channel. */
  noteShutdown(shutdown: Shutdown): void {
    this.#lastShutdown = shutdown
  }

  /** The shutdown announced for the phx_close being handled, if any (forgotten once taken). */
  takeShutdown(): Shutdown | undefined {
    const shutdown = this.#lastShutdown
    this.#lastShutdown = undefined
    return shutdown
  }
}
