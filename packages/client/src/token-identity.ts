// Runs in the tab.
// Who a token speaks for, as the engine's tokenIdentity (packages/engine/src/jwt.ts) says it, with the platform's
// decoders (atob, TextDecoder) instead of the engine's own: the same answer for every string (token-identity.test.ts
// compares them), a third of the bytes in the tab's bundle (decision 77). The engine keeps its decoders: it runs
// where neither is promised.

const UTF8 = { fatal: true, ignoreBOM: true } // as decodeURIComponent: malformed UTF-8 is refused, a BOM is kept

/** `<role>:<sub>`, or `anon` without a token, a readable payload or a `sub`. */
export function tokenIdentity(token: string | null | undefined): string {
  const part = typeof token === 'string' ? token.split('.') : []
  // what the engine's decoder takes: the base64url or base64 alphabet, up to two '=' at the end
  if (part.length !== 3 || !/^[\w+/-]+={0,2}$/.test(part[1]!)) return 'anon'
  let claims: { sub?: unknown; role?: unknown } | null
  try {
    const binary = atob(part[1]!.replace(/=+$/, '').replaceAll('-', '+').replaceAll('_', '/'))
    claims = JSON.parse(new TextDecoder('utf-8', UTF8).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))))
  } catch {
    return 'anon' // a length no base64 has, malformed UTF-8, not JSON
  }
  const sub = typeof claims === 'object' && !Array.isArray(claims) ? claims?.sub : undefined
  if (typeof sub !== 'string' || sub === '') return 'anon'
  return `${typeof claims?.role === 'string' ? claims.role : ''}:${sub}`
}
