// A scripted WebSocket for unit tests of the engine and of the in-page host (the only places a
// fake socket is used; integration tests use the real dev server). Frames the engine sends are
// decoded and recorded; the test plays the server with open(), message(), close().

import { createSerializer, type Message } from '@shared-realtime/protocol'
import type { SocketCloseEvent, SocketLike } from '@shared-realtime/engine'

const server = createSerializer('2.0.0', { role: 'server' })

export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = []
  binaryType = 'blob'
  readyState = 0
  readonly url: string
  readonly sent: Message[] = []
  onopen: ((event: unknown) => void) | null = null
  onclose: ((event: SocketCloseEvent) => void) | null = null
  onerror: ((event: unknown) => void) | null = null
  onmessage: ((event: { data: unknown }) => void) | null = null
  closedWith: { code?: number; reason?: string } | undefined

  constructor(url: string) {
    this.url = url
    FakeSocket.instances.push(this)
  }

  static reset(): void {
    FakeSocket.instances = []
  }

  static get last(): FakeSocket {
    const socket = FakeSocket.instances.at(-1)
    if (!socket) throw new Error('no socket was created')
    return socket
  }

  send(data: string | ArrayBuffer): void {
    const decoded = server.decode(data)
    if (!decoded.ok) throw new Error(`the engine sent an undecodable frame: ${decoded.error.detail}`)
    this.sent.push(decoded.message)
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { ...(code === undefined ? {} : { code }), ...(reason === undefined ? {} : { reason }) }
    this.readyState = 3
  }

  // ── the test plays the server ──
  open(): void {
    this.readyState = 1
    this.onopen?.({})
  }

  message(message: Message, binary?: boolean): void {
    this.onmessage?.({ data: server.encode(message, binary === undefined ? {} : { binary }) })
  }

  raw(data: unknown): void {
    this.onmessage?.({ data })
  }

  serverClose(code: number, reason = ''): void {
    this.readyState = 3
    this.onclose?.({ code, reason })
  }

  refuse(status: number): void {
    this.onerror?.({ message: `Unexpected server response: ${status}` })
    this.serverClose(1006)
  }

  /** Replies ok to the last join on `topic`. */
  acceptJoin(topic: string, response: unknown = { postgres_changes: [] }): Message {
    const join = this.sent.toReversed().find((m) => m.topic === topic && m.event === 'phx_join')
    if (!join) throw new Error(`no join was sent on ${topic}`)
    this.message({
      join_ref: join.join_ref,
      ref: join.ref,
      topic,
      event: 'phx_reply',
      payload: { status: 'ok', response },
    })
    return join
  }

  of(event: string): Message[] {
    return this.sent.filter((m) => m.event === event)
  }
}
