// Which requests the dev server answers at all (issue #16): it runs on a developer's machine, its default
// JWT secret (so its service_role key) is public, and every web page the developer opens can send requests
// to 127.0.0.1. So, for HTTP requests and WebSocket upgrades alike:
//   - the `Host` header must name a loopback host (localhost, *.localhost, 127.0.0.0/8, ::1), the
//     configured `host`, or one of `allowedHosts`: a DNS-rebound name (evil.example → 127.0.0.1) is refused;
//   - an `Origin` header, when there is one (browsers send it on upgrades and cross-origin requests), must be
//     a loopback origin (any scheme, any port) or one of `allowedOrigins`.
// Clients without Origin (Node, curl) pass the Origin rule; a request without Host (HTTP/1.0) passes the Host
// rule (no browser sends one, so no page can). Anything else: 403 with a body saying which header and what to do.

import type { IncomingHttpHeaders } from 'node:http'
import { isLoopbackHost, type ResolvedOptions } from './options.ts'

export interface Refusal {
  status: 403
  body: { error: string; message: string }
}

/** The host name of a Host header value ("name:port", "[v6]:port", "name"), lower-cased, without brackets. */
function hostName(value: string): string | undefined {
  try {
    return new URL(`http://${value}`).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  } catch {
    return undefined
  }
}

export function createRequestGuard(
  options: Pick<ResolvedOptions, 'host' | 'allowedHosts' | 'allowedOrigins'>,
): (headers: IncomingHttpHeaders) => Refusal | null {
  // the configured host, even a wildcard one: the URL startServer() returns names it (an address cannot be rebound)
  const hosts = new Set([options.host.replace(/^\[|\]$/g, '').toLowerCase(), ...options.allowedHosts])
  const origins = new Set(options.allowedOrigins)
  return (headers) => {
    const host = headers.host
    if (host !== undefined) {
      const name = hostName(host)
      if (name === undefined || !(isLoopbackHost(name) || hosts.has(name))) {
        return {
          status: 403,
          body: {
            error: 'Forbidden host',
            message:
              `Host ${JSON.stringify(host)} is not allowed: the dev server answers only loopback names and its --host ` +
              '(a guard against DNS rebinding). To reach it under this name, start it with --allowed-host <name> ' +
              '(startServer option allowedHosts).',
          },
        }
      }
    }
    const origin = headers.origin
    if (origin !== undefined && !originAllowed(origin, origins)) {
      return {
        status: 403,
        body: {
          error: 'Forbidden origin',
          message:
            `Origin ${JSON.stringify(origin)} is not allowed: the dev server answers pages from loopback origins ` +
            '(localhost, 127.0.0.1, [::1], any port) only, so that no other web site can use its public keys. ' +
            'To allow this one, start it with --allowed-origin <origin> (startServer option allowedOrigins).',
        },
      }
    }
    return null
  }
}

function originAllowed(origin: string, allowed: ReadonlySet<string>): boolean {
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false // "null" (file:, sandboxed frames) and garbage
  }
  if (allowed.has(url.origin)) return true
  return url.origin !== 'null' && isLoopbackHost(url.hostname)
}
