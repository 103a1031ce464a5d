// One WebSocket: decode, dispatch by topic, reply. Frames from one socket are handled
// one after another, as Phoenix's socket process does: a slow join (a delay fault, a
// join-error backoff) holds back the heartbeats and pushes sent after it (§2.1).
//
//   heartbeat on "phoenix"        → ok reply (unless the heartbeat fault withholds it)
//   phx_join                      → channel.ts joinChannel()
//   phx_leave                     → ok reply + phx_close (stale join_ref: ignored)
//   anything on a joined topic    → the channel
//   anything else                 → "unmatched topic" error reply with a null join_ref

import { createSerializer, type Frame, type Message, type Serializer, type Vsn } from '@shared-realtime/protocol'
import { isUtf8 } from 'node:buffer'
import type WebSocket from 'ws'
import type { ChannelSession } from './channel.ts'
import { joinChannel } from './join-channel.ts'
import type { Claims, Context } from './context.ts'

let nextId = 1

export class Connection {
  readonly id = nextId++
  readonly vsn: Vsn
  readonly channels = new Map<string, ChannelSession>()
  /** The token the socket connected with (apikey), and its claims. */
  readonly token: string
  readonly claims: Claims
  /** The upgrade request's headers (what policies read as `request.headers`). */
  readonly headers: Readonly<Record<string, string>>
  readonly #ctx: Context
  readonly #ws: WebSocket
  readonly #serializer: Serializer
  #queue: Promise<void> = Promise.resolve()
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #closed = false

  constructor(
    ctx: Context,
    ws: WebSocket,
    vsn: Vsn,
    token: string,
    claims: Claims,
    headers: Readonly<Record<string, string>> = {},
  ) {
    this.#ctx = ctx
    this.headers = headers
    this.#ws = ws
    this.vsn = vsn
    this.token = token
    this.claims = claims
    this.#serializer = createSerializer(vsn, { role: 'server' })
    ws.binaryType = 'nodebuffer'
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return this.#receive(data)
      if (isUtf8(data)) return this.#receive(data.toString('utf8'))
      // Realtime does not validate UTF-8 (validate_utf8: false) and its JSON decode refuses the frame:
      // MalformedWebSocketMessage, logged and dropped, the socket kept
      ctx.stats.framesIn++
      ctx.stats.decodeErrors++
      this.#resetIdle()
      ctx.log.info(`socket ${this.id}: MalformedWebSocketMessage (text): invalid UTF-8 in a text frame`)
    })
    ws.on('close', () => this.#onClose())
    ws.on('error', (error) => ctx.log.debug(`socket ${this.id}: ${error.message}`))
    this.#resetIdle()
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Encodes for this socket's version, or null when the version cannot carry it (binary on V1). */
  tryEncode(message: Message, binary?: boolean): Frame | null {
    try {
      return this.#serializer.encode(message, binary === undefined ? {} : { binary })
    } catch {
      return null
    }
  }

  sendFrame(frame: Frame): void {
    if (this.#closed || this.#ws.readyState !== this.#ws.OPEN) return
    this.#ctx.stats.framesOut++
    this.#ws.send(frame)
  }

  send(message: Message, binary?: boolean): void {
    const frame = this.tryEncode(message, binary)
    if (frame === null) {
      this.#ctx.log.debug(`socket ${this.id}: cannot send ${message.event} on ${message.topic} with vsn ${this.vsn}`)
      return
    }
    this.sendFrame(frame)
  }

  reply(joinRef: string | null, ref: string | null, topic: string, status: string, response: unknown): void {
    this.send({ join_ref: joinRef, ref, topic, event: 'phx_reply', payload: { status, response } })
  }

  /** Closes with a close frame (code given) or abruptly (no code: a network cut, the client sees 1006). */
  close(code?: number, reason?: string): void {
    if (code === undefined) this.#ws.terminate()
    else this.#ws.close(code, reason)
  }

  #receive(data: string | Buffer): void {
    this.#ctx.stats.framesIn++
    this.#resetIdle()
    this.#queue = this.#queue
      .then(() => this.#handle(data))
      .catch((error: unknown) => {
        // Realtime's UnknownErrorOnWebSocketMessage: logged, frame dropped, socket kept
        this.#ctx.log.error(`socket ${this.id}: ${error instanceof Error ? error.stack : String(error)}`)
      })
  }

  async #handle(data: string | Buffer): Promise<void> {
    if (this.#closed) return
    const decoded = this.#serializer.decode(data)
    if (!decoded.ok) {
      this.#ctx.stats.decodeErrors++
      this.#ctx.log.info(
        `socket ${this.id}: MalformedWebSocketMessage (${decoded.error.kind}): ${decoded.error.detail}`,
      )
      return
    }
    const message = decoded.message
    const { topic, event, ref } = message
    this.#ctx.log.debug(
      () =>
        `socket ${this.id}: ← ${event} ${topic} ref=${ref} join_ref=${message.join_ref} ${JSON.stringify(message.payload)?.slice(0, 300)}`,
    )
    if (topic === 'phoenix' && event === 'heartbeat') {
      this.#ctx.stats.heartbeats++
      if (this.#ctx.faults.heartbeats === 'answer') this.reply(null, ref, 'phoenix', 'ok', {})
      return
    }
    if (event === 'phx_join') return joinChannel(this.#ctx, this, message)
    const channel = this.channels.get(topic)
    if (event === 'phx_leave') {
      if (!channel) return this.reply(message.join_ref, ref, topic, 'ok', {})
      if (message.join_ref !== null && message.join_ref !== channel.joinRef) return // stale: ignored (§2.3)
      this.reply(channel.joinRef, ref, topic, 'ok', {})
      return channel.close('left')
    }
    if (!channel) return this.reply(null, ref, topic, 'error', { reason: 'unmatched topic' })
    return channel.handleIn(message, decoded.binary)
  }

  #resetIdle(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(() => {
      this.#ctx.log.info(`socket ${this.id}: idle for ${this.#ctx.options.idleTimeoutMs} ms, closing`)
      this.close(1000)
    }, this.#ctx.options.idleTimeoutMs)
    this.#idleTimer.unref?.()
  }

  #onClose(): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#idleTimer)
    for (const channel of Array.from(this.channels.values())) channel.terminate()
    this.channels.clear()
    this.#ctx.stats.sockets--
    this.#ctx.log.info(`socket ${this.id}: closed`)
  }
}
