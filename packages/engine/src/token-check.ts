// The token check (issue #13, DESIGN.md rule 14): one tab's bad token must not close every tab's
// channels. A token a tab sets with setAuth is tried on the socket before it reaches the shared
// channels; a token the server refuses anyway is undone (tab-registry.ts has the bookkeeping).
// - TokenProbe.probe(token): a throwaway join on a topic of the engine's own
//   (`realtime:shared-realtime-token-check-<random>`, public, presence off, no postgres changes) with
//   `access_token` = the token, then phx_leave. Its frames never reach a tab (the channel registry
//   hands every frame of that prefix to the probe). The join spends a token of the join budget like
//   any join (a probe waits for one), and is sent only while the socket is connected.
// - Outcomes: `ok` (the join was accepted: the token is good), `refused` (a token refusal:
//   InvalidJWTToken, MalformedJWT, JwtSignatureError, JwtSignerError), `inconclusive` (no answer
//   within the timeout, the socket went down, or another refusal such as a rate limit, which says
//   nothing about the token).
// - TokenRefusedError: what the tab's setAuth rejects with when its token is refused; the client
//   turns it into RealtimeError kind `token-refused`.

import { isRecord, type JoinErrorCode, type Message, parseJoinErrorReason } from '@shared-realtime/protocol'
import type { Clock } from './clock.ts'

/** The topic prefix of the probes' joins: a frame with it is the probe's, never a tab's. */
export const PROBE_TOPIC_PREFIX = 'realtime:shared-realtime-token-check-'

/** The join refusals that speak of the token itself. */
const TOKEN_REFUSALS: ReadonlySet<JoinErrorCode> = new Set<JoinErrorCode>([
  'InvalidJWTToken',
  'MalformedJWT',
  'JwtSignatureError',
  'JwtSignerError',
])

/** The server refused the token a tab set with setAuth: the token in use before it stays in use. */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError'
  readonly kind = 'token-refused'
  /** The server's reason, as it sent it (e.g. `JwtSignatureError: Failed to validate JWT signature`). */
  readonly reason: string
  constructor(reason: string) {
    super(
      `setAuth(): the server refused this token (${reason}); the previous token stays in use for every channel: ` +
        `pass a token signed with the project's JWT secret that has not expired`,
    )
    this.reason = reason
  }
}

export type ProbeOutcome = { kind: 'ok' } | { kind: 'refused'; reason: string } | { kind: 'inconclusive'; why: string }

/** What a probe needs from the socket (the channel registry provides it). */
export interface ProbeSocket {
  connected(): boolean
  nextRef(): string
  /** Sends on the socket (a phx_join spends a token of the join budget); false when it is not open. */
  send(message: Message): boolean
  /** Whether a join may go out now as far as the join budget goes; if not, `refilled()` is called later. */
  mayJoin(): boolean
}

export interface TokenProbeOptions {
  readonly clock: Clock
  /** How long the join's reply may take (the engine's `timeout`). */
  readonly timeoutMs: number
  readonly randomId: () => string
  readonly socket: ProbeSocket
}

interface Live {
  readonly topic: string
  readonly joinRef: string
  readonly timer: ReturnType<Clock['setTimeout']>
  readonly resolve: (outcome: ProbeOutcome) => void
}

export class TokenProbe {
  readonly #options: TokenProbeOptions
  /** Probes sent, by topic, until their reply or timeout. */
  readonly #live = new Map<string, Live>()
  /** Probes waiting for a token of the join budget. */
  #waiting: Array<{ token: string; resolve: (outcome: ProbeOutcome) => void }> = []
  /** Probes made, for inspect(). */
  readonly counters = { ok: 0, refused: 0, inconclusive: 0 }

  constructor(options: TokenProbeOptions) {
    this.#options = options
  }

  /** Probes sent or waiting to be (each counts as a channel of the socket while it lasts). */
  get active(): number {
    return this.#live.size + this.#waiting.length
  }

  /** Tries `token` with a throwaway join; never rejects. */
  probe(token: string): Promise<ProbeOutcome> {
    return new Promise<ProbeOutcome>((resolve) => {
      const done = (outcome: ProbeOutcome) => {
        this.counters[outcome.kind]++
        resolve(outcome)
      }
      this.#attempt(token, done)
    })
  }

  /** Join tokens are back: the waiting probes go first. */
  refilled(): void {
    const waiting = this.#waiting
    this.#waiting = []
    for (const { token, resolve } of waiting) this.#attempt(token, resolve)
  }

  /** A frame for a topic no channel has: true when it is a probe's (handled or dropped here). */
  receive(message: Message): boolean {
    if (!message.topic.startsWith(PROBE_TOPIC_PREFIX)) return false
    const live = this.#live.get(message.topic)
    if (!live || message.event !== 'phx_reply' || message.ref !== live.joinRef) return true // the leave's answers
    const payload = isRecord(message.payload) ? message.payload : {}
    if (payload.status === 'ok') {
      this.#end(live, { kind: 'ok' })
      this.#leave(live)
      return true
    }
    const response = payload.response
    const raw = isRecord(response) ? Object.values(response).map(String).join(', ') : String(response)
    const reason = parseJoinErrorReason(raw)
    this.#end(
      live,
      TOKEN_REFUSALS.has(reason.code) ? { kind: 'refused', reason: raw } : inconclusive(`refused: ${raw}`),
    )
    return true
  }

  /** The socket went down: every probe is inconclusive. */
  socketDown(): void {
    for (const live of Array.from(this.#live.values())) this.#end(live, inconclusive('the socket closed'))
    const waiting = this.#waiting
    this.#waiting = []
    for (const { resolve } of waiting) resolve(inconclusive('the socket closed'))
  }

  dispose(): void {
    this.socketDown()
  }

  #attempt(token: string, resolve: (outcome: ProbeOutcome) => void): void {
    const { clock, randomId, socket, timeoutMs } = this.#options
    if (!socket.connected()) return resolve(inconclusive('the socket is not connected'))
    if (!socket.mayJoin()) {
      this.#waiting.push({ token, resolve })
      return
    }
    const topic = `${PROBE_TOPIC_PREFIX}${randomId()}`
    const joinRef = socket.nextRef()
    const payload = {
      config: {
        broadcast: { ack: false, self: false },
        presence: { enabled: false },
        postgres_changes: [],
        private: false,
      },
      access_token: token,
    }
    if (!socket.send({ join_ref: joinRef, ref: joinRef, topic, event: 'phx_join', payload })) {
      return resolve(inconclusive('the socket is not connected'))
    }
    const timer = clock.setTimeout(() => {
      const live = this.#live.get(topic)
      if (!live) return
      this.#end(live, inconclusive(`no answer within ${timeoutMs} ms`))
      this.#leave(live) // in case the join is answered after all
    }, timeoutMs)
    this.#live.set(topic, { topic, joinRef, timer, resolve })
  }

  #end(live: Live, outcome: ProbeOutcome): void {
    this.#options.clock.clearTimeout(live.timer)
    this.#live.delete(live.topic)
    live.resolve(outcome)
  }

  #leave({ topic, joinRef }: Live): void {
    const { socket } = this.#options
    socket.send({ join_ref: joinRef, ref: socket.nextRef(), topic, event: 'phx_leave', payload: {} })
  }
}

const inconclusive = (why: string): ProbeOutcome => ({ kind: 'inconclusive', why })
