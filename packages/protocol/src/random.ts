// Runs everywhere (tab, worker, Node). Random ids (worker instance, tab ids, client id, durable sends) that need no
// secure context: `crypto.randomUUID` exists only in secure contexts (https, localhost), so a page served as
// http://<LAN address or intranet name>/ has none, while `crypto.getRandomValues` exists in every context.

const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')

/** 16 random bytes, from `crypto.getRandomValues` (Math.random only where a platform has no Web Crypto at all). */
function randomBytes(): Uint8Array {
  const bytes = new Uint8Array(16)
  const crypto = (globalThis as { crypto?: { getRandomValues?: (array: Uint8Array) => Uint8Array } }).crypto
  if (typeof crypto?.getRandomValues === 'function') return crypto.getRandomValues(bytes)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256)
  return bytes
}

/** A random RFC 4122 version 4 UUID (`xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx`), in any context, secure or not. */
export function randomUuid(): string {
  const b = randomBytes()
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40 // version 4
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80 // variant 10
  const h = hex(b)
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}
