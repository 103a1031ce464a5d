// A scripted WebSocket client for conformance tests: sends messages or raw frames,
// and reads the server's frames one by one, decoded with the client-side serializer.
// `barrier()` sends a heartbeat and waits for its reply: the server handles a socket's
// frames in order, so everything it sent before that reply has then arrived, and
// "nothing else came" can be asserted without sleeping.

import { createSerializer, type Frame, type Message, type Vsn } from '@shared-realtime/protocol'
import { WebSocket } from 'ws'

export interface Received {
  message: Message
  binary: boolean
  raw: Frame
}

export class RawClient {
  readonly vsn: Vsn
  readonly #ws: WebSocket
  readonly #codec
  readonly #inbox: Received[] = []
  #waiters: Array<() => void> = []
  #ref = 100
  closeCode: number | undefined
  /** Frames the server sent that the client codec could not decode (details). */
  readonly undecodable: string[] = []
  readonly closed: Promise<number>

  private constructor(ws: WebSocket, vsn: Vsn) {
    this.#ws = ws
    this.vsn = vsn
    this.#codec = createSerializer(vsn)
    ws.binaryType = 'arraybuffer'
    ws.on('message', (data: ArrayBuffer | Buffer, isBinary: boolean) => {
      const raw: Frame = isBinary ? (data as ArrayBuffer) : data.toString()
      const decoded = this.#codec.decode(raw)
      if (decoded.ok) this.#inbox.push({ message: decoded.message, binary: decoded.binary, raw })
      else this.undecodable.push(decoded.error.detail)
      this.#wake()
    })
    this.closed = new Promise((resolve) =>
      ws.on('close', (code) => {
        this.closeCode = code
        this.#wake()
        resolve(code)
      }),
    )
  }

  static connect(
    baseUrl: string,
    apikey: string | undefined,
    vsn: Vsn = '2.0.0',
    extra = '',
    headers: Record<string, string> = {},
  ): Promise<RawClient> {
    const query = [apikey === undefined ? '' : `apikey=${encodeURIComponent(apikey)}`, `vsn=${vsn}`, extra]
      .filter(Boolean)
      .join('&')
    const ws = new WebSocket(`${baseUrl}/websocket?${query}`, { headers })
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws, vsn)))
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (c: Buffer) => (body += c.toString()))
        res.on('end', () =>
          reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })),
        )
      })
      ws.once('error', reject)
    })
  }

  #wake(): void {
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }

  makeRef(): string {
    return String(this.#ref++)
  }

  send(message: Message, binary?: boolean): void {
    this.#ws.send(createSerializer(this.vsn).encode(message, binary === undefined ? {} : { binary }))
  }

  sendRaw(frame: string | ArrayBuffer | Uint8Array): void {
    this.#ws.send(frame)
  }

  /** Sends these bytes as a text frame, valid UTF-8 or not. */
  sendText(bytes: Uint8Array): void {
    this.#ws.send(bytes, { binary: false })
  }

  /** The next frame (optionally the next one matching `accept`); heartbeat replies only with `phoenix: true`. */
  async next(
    accept: (m: Message) => boolean = () => true,
    { timeoutMs = 5000, phoenix = false } = {},
  ): Promise<Received> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const index = this.#inbox.findIndex((r) => (phoenix || r.message.topic !== 'phoenix') && accept(r.message))
      if (index >= 0) return this.#inbox.splice(index, 1)[0]!
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode}) while waiting for a frame`)
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(
          `no matching frame within ${timeoutMs} ms; inbox: ${JSON.stringify(this.#inbox.map((r) => r.message))}`,
        )
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** Waits until `condition()` holds (checked whenever a frame arrives). */
  async until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now())
        this.#waiters.push(() => (clearTimeout(timer), resolve()))
      })
    }
  }

  /** Sends a heartbeat and waits for its reply; returns the frames that arrived before it (all of them, in order). */
  async barrier(): Promise<Received[]> {
    const ref = this.makeRef()
    this.send({ join_ref: null, ref, topic: 'phoenix', event: 'heartbeat', payload: {} })
    const deadline = Date.now() + 5000
    for (;;) {
      const index = this.#inbox.findIndex((r) => r.message.topic === 'phoenix' && r.message.ref === ref)
      if (index >= 0) {
        const before = this.#inbox
          .splice(0, index + 1)
          .slice(0, -1)
          .filter((r) => r.message.topic !== 'phoenix')
        return before
      }
      if (Date.now() > deadline || this.closeCode !== undefined) throw new Error('no heartbeat reply')
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
    }
  }

  /** Joins and returns the reply. */
  async join(topic: string, payload: unknown = { config: {} }, joinRef = this.makeRef()): Promise<Message> {
    this.send({ join_ref: joinRef, ref: joinRef, topic, event: 'phx_join', payload })
    return (await this.next((m) => m.event === 'phx_reply' && m.ref === joinRef && m.topic === topic)).message
  }

  close(): Promise<number> {
    if (this.closeCode === undefined) this.#ws.close()
    return this.closed
  }

  terminate(): void {
    this.#ws.terminate()
  }
}
