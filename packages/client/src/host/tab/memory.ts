// Runs in the tab. What a tab holds on its worker, remembered by the worker link (DESIGN.md
// rule 8): every command the COMMANDS table marks `remembered`, as the call itself, folded
// into what is still wanted: the subscriptions with their specs, the presence payloads, the
// token provider, the last manual token and an explicit connect(). A new worker (after a
// restart, a missed deadline or the back/forward cache) is given all of it again by
// replay(), and each subscription then hears `resubscribed` so the app can refetch what it
// may have missed. remember() records a call before it is sent and returns how to undo it,
// for when the worker refuses it.

import type { Clock, EngineEvent } from '@shared-realtime/engine'
import { RealtimeError } from '../../errors.ts'
import { type Call, COMMANDS, type Command, type Remembered, type Reply, type TabApi } from '../protocol.ts'
import { withDeadline } from './deadline.ts'

/** setAuth may wait for the engine to ask a token provider (its own deadline is 10 s). */
export const PROVIDER_ALLOWANCE_MS = 10_000

/** The deadline of a command: `commandMs`, plus the provider's allowance where the table says it may ask one. */
export function deadlineOf(command: Command, commandMs: number): number {
  return (COMMANDS[command] as { asksProvider?: true }).asksProvider ? commandMs + PROVIDER_ALLOWANCE_MS : commandMs
}

const keep = (): void => {}

export class TabMemory {
  #provider: Call<'setTokenProvider'> | undefined
  #token: Call<'setAuth'> | undefined
  readonly #subs = new Map<string, Call<'subscribe'>>()
  readonly #tracked = new Map<string, Call<'track'>>()
  #connect: Call<'connect'> | undefined

  /** Records `call` before it is sent; returns how to undo it when the worker refuses it. */
  remember(call: Call<Remembered>): () => void {
    switch (call.name) {
      case 'setTokenProvider':
        this.#provider = call.args[0] ? call : undefined
        return keep
      case 'setAuth': {
        // '' and null both mean "ask the providers again": nothing to replay
        const previous = this.#token
        this.#token = call.args[0] ? call : undefined
        // refused (a token the server does not accept): the token before it is the one in use, and replayed
        return () => void (this.#token = previous)
      }
      case 'subscribe': {
        const subId = call.args[0]
        if (this.#subs.has(subId)) return keep // the worker refuses a duplicate: keep the first
        this.#subs.set(subId, call)
        return () => void this.#subs.delete(subId)
      }
      case 'unsubscribe':
        this.#subs.delete(call.args[0])
        this.#tracked.delete(call.args[0])
        return keep
      case 'track': {
        const subId = call.args[0]
        const previous = this.#tracked.get(subId)
        this.#tracked.set(subId, call)
        return () => void (previous ? this.#tracked.set(subId, previous) : this.#tracked.delete(subId))
      }
      case 'untrack':
        this.#tracked.delete(call.args[0])
        return keep
      case 'connect':
        this.#connect = call
        return keep
      case 'disconnect':
        this.#connect = undefined
        return keep
    }
  }

  clear(): void {
    this.#provider = undefined
    this.#token = undefined
    this.#subs.clear()
    this.#tracked.clear()
    this.#connect = undefined
  }

  /**
   * What a new worker must be given, in order: the token and provider first, so the joins carry them. The token
   * goes before the provider: a tab's accessToken callback is the source of truth (realtime-js 2.112.1), so the
   * provider, asked as it is registered, has the last word, and the remembered token (perhaps expired by now)
   * stays only when the callback gives nothing usable (decision 74).
   */
  calls(): Array<Call<Remembered>> {
    const single = [this.#token, this.#provider].filter((call) => call !== undefined)
    return [...single, ...this.#subs.values(), ...this.#tracked.values(), ...(this.#connect ? [this.#connect] : [])]
  }

  /**
   * Gives everything to the worker behind `api`, pipelined (the worker runs commands in
   * arrival order). Rejects when a call misses its deadline or another worker answers;
   * a single refusal (say, a subscription the worker now finds in conflict) reaches the
   * tab as the engine's own status event and does not stop the others.
   */
  async replay(api: TabApi, instance: string, commandMs: number, clock?: Clock): Promise<void> {
    const replies = await Promise.all(
      this.calls().map((call) => {
        const send = api[call.name] as (...args: unknown[]) => Promise<Reply<unknown>>
        return withDeadline(send(...call.args), deadlineOf(call.name, commandMs), 'recovery', clock)
      }),
    )
    if (replies.some((reply) => reply.instance !== instance)) {
      throw new RealtimeError('host-unavailable', 'the worker restarted during recovery')
    }
  }

  /** One synthetic `resubscribed` system event per subscription, as the engine sends after its own rejoins. */
  resubscribed(): EngineEvent[] {
    return [...this.#subs.values()].map(({ args: [sub, topic] }) => ({
      type: 'system',
      sub,
      payload: { extension: 'system', status: 'ok', message: 'resubscribed', channel: topic.replace(/^realtime:/, '') },
    }))
  }
}
