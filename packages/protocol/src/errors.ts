// The two error types of the codec. Encoding a message the wire cannot carry throws
// an EncodeError (the caller built a bad message: a programming error to report,
// not a network condition). Decoding never throws: bad input from the network is a
// DecodeError value that the caller counts and drops.

import { ELLIPSIS } from './wide-chars.ts'

export const ENCODE_ERROR_KINDS = [
  /** A string field of a binary frame is longer than 255 UTF-8 bytes (its length is one byte). */
  'field-too-long',
  /** The chosen format cannot carry binary data (vsn 1.0.0 is JSON text only). */
  'binary-unsupported',
  /** The message is not a message: wrong field types. */
  'invalid-message',
] as const
export type EncodeErrorKind = (typeof ENCODE_ERROR_KINDS)[number]

export class EncodeError extends Error {
  override readonly name = 'EncodeError'
  readonly kind: EncodeErrorKind
  /** The message field at fault, e.g. `topic` or `payload.event`. */
  readonly field: string | undefined

  constructor(kind: EncodeErrorKind, message: string, field?: string) {
    super(message)
    this.kind = kind
    this.field = field
  }
}

export const DECODE_ERROR_KINDS = [
  /** Neither a string nor binary data (e.g. a Blob: set `binaryType = 'arraybuffer'`). */
  'unsupported-input',
  /** A text frame that is not JSON, or a binary frame whose JSON part is not JSON. */
  'invalid-json',
  /** Valid JSON of the wrong shape (V2 needs a 5-element array, V1 an object with topic/event/payload/ref). */
  'invalid-shape',
  /** A binary frame on a vsn 1.0.0 connection, which is text-only. */
  'binary-unsupported',
  /** A binary frame whose first byte is no kind this side receives. */
  'unknown-kind',
  /** A binary frame shorter than its header says. */
  'truncated',
  /** A string field of a binary frame that is not UTF-8. */
  'invalid-utf8',
  /** A user broadcast whose payload encoding byte is neither 0 (binary) nor 1 (JSON). */
  'unknown-encoding',
] as const
export type DecodeErrorKind = (typeof DECODE_ERROR_KINDS)[number]

export interface DecodeError {
  kind: DecodeErrorKind
  /** Human-readable detail for logs; never contains more than a short excerpt of the input. */
  detail: string
}

/** A short, single-line excerpt of untrusted input for an error detail. */
export function excerpt(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ')
  return oneLine.length > max ? `${oneLine.slice(0, max)}${ELLIPSIS} (${text.length} chars)` : oneLine
}
