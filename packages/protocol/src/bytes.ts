// oxlint-disable-next-line typescript/triple-slash-reference -- declares the only two host globals this ECMAScript-only package uses
/// <reference path="./platform.d.ts" />
// Byte helpers for binary frames: UTF-8 in and out (strict on input from the wire),
// and recognising binary payloads across realms (a worker's ArrayBuffer is not
// `instanceof` the page's).

const encoder = new TextEncoder()
const strictDecoder = new TextDecoder('utf-8', { fatal: true })

export type Binary = ArrayBuffer | ArrayBufferView

export function isArrayBuffer(value: unknown): value is ArrayBuffer {
  return value instanceof ArrayBuffer || Object.prototype.toString.call(value) === '[object ArrayBuffer]'
}

/** ArrayBuffer, typed arrays, DataView and Node Buffers are binary; nothing else is. */
export function isBinary(value: unknown): value is Binary {
  return isArrayBuffer(value) || ArrayBuffer.isView(value)
}

/** A view of exactly the bytes of `value` (no copy). */
export function bytesOf(value: Binary): Uint8Array {
  return isArrayBuffer(value) ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength)
}

/** A fresh ArrayBuffer holding a copy of `bytes`; what decoded binary payloads are. */
export function copyToArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const out = new ArrayBuffer(bytes.byteLength)
  new Uint8Array(out).set(bytes)
  return out
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text)
}

/** Decodes UTF-8, or returns `undefined` when the bytes are not valid UTF-8. */
export function fromUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictDecoder.decode(bytes)
  } catch {
    return undefined
  }
}
