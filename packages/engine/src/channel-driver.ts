// The ChannelMachine of one server channel (machines/channel.ts) run under the generic Driver
// (machines/driver.ts). Each transition's context comes from the socket (a fresh ref, whether it
// is ready to join); its effects go out as join and leave frames, or to the channel's wiring
// (server-channel.ts): status events for the subscriptions, and the `joined` / `left` hooks that
// the outbox, the durable outbox and presence follow. While joined, it sends the channel's frames.

import type { JoinPayload, Message } from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'
import { channelErrorData, type ErrorData } from './events.ts'
import {
  type ChannelContext,
  type ChannelEffect,
  type ChannelEvent,
  type ChannelState,
  channelTimerEvent,
  initialChannelState,
  type SubscribeStatus,
  transitionChannel,
} from './machines/channel.ts'
import { Driver } from './machines/driver.ts'

/** What a channel needs from the socket. */
export interface ChannelSocket {
  readonly clock: Clock
  /** Join and leave reply timeout. */
  readonly timeoutMs: number
  nextRef(): string
  /** A join may go out now: socket open and no token request in flight (ChannelContext.ready). */
  mayJoin(): boolean
  /** Sends on the socket; false when it is not open. */
  send(message: Message): boolean
}

/** Where the machine's effects other than frames and timers go. */
export interface ChannelWiring {
  /** The payload of the join about to be sent. */
  joinPayload(): JoinPayload
  /** The timeout of the join about to be sent, when it is not the socket's (postgres_changes_options.wait). */
  joinTimeoutMs?(): number
  status(status: SubscribeStatus, error: ErrorData | undefined): void
  joined(): void
  left(): void
  resubscribed(): void
  refreshToken(): void
  /** The state changed (the registry may drop a channel closed with no subscription). */
  changed(): void
}

export class ChannelDriver {
  readonly #topic: string
  readonly #socket: ChannelSocket
  readonly #driver: Driver<ChannelState, ChannelEvent, ChannelContext, ChannelEffect>

  constructor(topic: string, socket: ChannelSocket, wiring: ChannelWiring) {
    this.#topic = topic
    this.#socket = socket
    this.#driver = new Driver({
      initial: initialChannelState,
      transition: transitionChannel,
      context: () => ({
        now: socket.clock.now(),
        ref: socket.nextRef(),
        ready: socket.mayJoin(),
        timeoutMs: socket.timeoutMs,
        ...(wiring.joinTimeoutMs ? { joinTimeoutMs: wiring.joinTimeoutMs() } : {}),
      }),
      timers: { clock: socket.clock, fired: channelTimerEvent },
      perform: (effect, next) => {
        switch (effect.type) {
          case 'send-join': {
            const payload = wiring.joinPayload()
            socket.send({ join_ref: effect.joinRef, ref: effect.joinRef, topic, event: 'phx_join', payload })
            return
          }
          case 'send-leave':
            socket.send({ join_ref: effect.joinRef, ref: effect.ref, topic, event: 'phx_leave', payload: {} })
            return
          case 'emit': {
            // a channel that failed is not retried, whatever the reason's own disposition (a
            // refreshed token refused again): the tab's channel must read `failed`, not `errored`
            const failed = next.name === 'failed' ? { retryable: false } : {}
            return wiring.status(effect.status, effect.error && { ...channelErrorData(effect.error), ...failed })
          }
          case 'joined':
            return wiring.joined()
          case 'left':
            return wiring.left()
          case 'resubscribed':
            return wiring.resubscribed()
          case 'refresh-token':
            return wiring.refreshToken()
        }
      },
      changed: () => wiring.changed(),
    })
  }

  get state(): ChannelState {
    return this.#driver.state
  }

  /** The join_ref frames of the current join carry (joining once sent, joined, leaving); else null. */
  get joinRef(): string | null {
    const s = this.#driver.state
    return s.name === 'joined' || s.name === 'leaving' || s.name === 'joining' ? s.joinRef : null
  }

  /** Which of the machine's requests a reply with `ref` answers, if any (else it is a push's). */
  answers(ref: string): 'join' | 'leave' | undefined {
    const s = this.#driver.state
    if (s.name === 'joining' && ref === s.joinRef) return 'join'
    if (s.name === 'leaving' && ref === s.ref) return 'leave'
    return undefined
  }

  dispatch(event: ChannelEvent): void {
    this.#driver.dispatch(event)
  }

  /** Sends `event` on the channel if it is joined: the ref it went with, or null (not joined, socket down). */
  push(event: string, payload: unknown): string | null {
    const s = this.#driver.state
    if (s.name !== 'joined') return null
    const ref = this.#socket.nextRef()
    return this.#socket.send({ join_ref: s.joinRef, ref, topic: this.#topic, event, payload }) ? ref : null
  }

  stopTimers(): void {
    this.#driver.stopTimers()
  }
}
