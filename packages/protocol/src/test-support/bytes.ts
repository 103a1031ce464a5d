// Test helpers for writing binary frames the way PROTOCOL.md prints them:
// frame(0x03, 0x01, '1', '{"x":1}') — numbers are bytes, strings are their UTF-8.

export function frame(...parts: Array<number | string>): ArrayBuffer {
  const bytes: number[] = []
  for (const part of parts) {
    if (typeof part === 'number') bytes.push(part)
    else bytes.push(...new TextEncoder().encode(part))
  }
  return new Uint8Array(bytes).buffer
}

export function hex(data: ArrayBuffer | string): string {
  if (typeof data === 'string') return `text ${data}`
  return Array.from(new Uint8Array(data), (b) => b.toString(16).padStart(2, '0')).join(' ')
}
