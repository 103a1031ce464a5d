// Open CORS for the REST API, so a browser app can call it directly as it calls a Supabase project
// (Realtime's router plugs `Corsica, origins: "*"`; the project gateway answers preflights).

/** Headers for every REST response. */
export const CORS_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Access-Control-Allow-Origin': '*' })

/** The request headers supabase-js / realtime-js send to the broadcast endpoints. */
export const CORS_ALLOWED_HEADERS = ['apikey', 'authorization', 'content-type', 'x-client-info'] as const

export const CORS_ALLOWED_METHODS = 'GET, POST, OPTIONS'

export interface PreflightResponse {
  status: 200
  headers: Record<string, string>
  body: ''
}

/**
 * The answer to an OPTIONS preflight: 200, empty body, any origin, GET/POST/OPTIONS, and the headers
 * realtime-js sends plus whatever the browser asks for in `Access-Control-Request-Headers` (so custom
 * `global.headers` of a supabase-js client pass too).
 */
export function corsPreflight(requestedHeaders?: string | readonly string[] | null): PreflightResponse {
  const requested = (typeof requestedHeaders === 'string' ? [requestedHeaders] : (requestedHeaders ?? []))
    .flatMap((value) => value.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
  const allowed = [...new Set([...CORS_ALLOWED_HEADERS, ...requested])]
  return {
    status: 200,
    headers: {
      ...CORS_HEADERS,
      'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS,
      'Access-Control-Allow-Headers': allowed.join(', '),
    },
    body: '',
  }
}
