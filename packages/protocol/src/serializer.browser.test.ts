// The codec in real Chromium: imported through the workspace package name, fed
// frames that crossed a MessagePort and buffers made in another realm (an iframe),
// where `instanceof ArrayBuffer` is false.
import { createSerializer, isBinary, type Message } from '@shared-realtime/protocol'
import { describe, expect, test } from 'vitest'

const client = createSerializer('2.0.0')
const server = createSerializer('2.0.0', { role: 'server' })
const broadcast: Message = {
  join_ref: '1',
  ref: '2',
  topic: 'realtime:any',
  event: 'broadcast',
  payload: { type: 'broadcast', event: 'TEST', payload: { msg: 1 } },
}

function otherRealm(): typeof globalThis {
  const iframe = document.createElement('iframe')
  document.body.append(iframe)
  return iframe.contentWindow as unknown as typeof globalThis
}

describe('in Chromium', () => {
  test('encodes the T3 kind-3 frame byte for byte', () => {
    const wire = client.encode(broadcast) as ArrayBuffer
    const expected = [3, 1, 1, 12, 4, 0, 1, ...new TextEncoder().encode('12realtime:anyTEST{"msg":1}')]
    expect(Array.from(new Uint8Array(wire))).toEqual(expected)
  })

  test('decodes a frame that was transferred through a MessagePort', async () => {
    const { port1, port2 } = new MessageChannel()
    const received = new Promise<unknown>((resolve) =>
      port2.addEventListener('message', (event) => resolve(event.data), { once: true }),
    )
    port2.start()
    const wire = client.encode(broadcast) as ArrayBuffer
    port1.postMessage(wire, [wire])
    expect(wire.byteLength).toBe(0) // transferred, not copied
    expect(server.decode(await received)).toEqual({ ok: true, binary: true, message: broadcast })
    port1.close()
    port2.close()
  })

  test('treats an ArrayBuffer from another realm as binary', () => {
    const realm = otherRealm()
    const foreign = new realm.Uint8Array([2, 1, 1, 116, 101, 9]).buffer
    expect(foreign instanceof ArrayBuffer).toBe(false)
    expect(isBinary(foreign)).toBe(true)
    expect(client.decode(foreign)).toEqual({
      ok: true,
      binary: true,
      message: { join_ref: null, ref: null, topic: 't', event: 'e', payload: new Uint8Array([9]).buffer },
    })
  })

  test('sends a user payload from another realm as raw bytes', () => {
    const payload = new (otherRealm().Uint8Array)([7, 8])
    const wire = client.encode({ ...broadcast, payload: { type: 'broadcast', event: 'TEST', payload } }) as ArrayBuffer
    const bytes = new Uint8Array(wire)
    expect(bytes[6]).toBe(0) // encoding: binary
    expect(Array.from(bytes.slice(-2))).toEqual([7, 8])
  })

  test('reports a Blob (binaryType left at "blob") as unsupported input', () => {
    const result = client.decode(new Blob([new Uint8Array([4])]))
    expect(result).toMatchObject({ ok: false, error: { kind: 'unsupported-input' } })
  })
})
