// The only host globals the protocol package relies on. Every target we support
// (browsers, workers, Node >= 18) has them; declaring them here, instead of
// pulling in the DOM or Node typings, keeps any other host API out of this package.

declare class TextEncoder {
  encode(input?: string): Uint8Array<ArrayBuffer>
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean })
  decode(input?: ArrayBufferView | ArrayBuffer): string
}
