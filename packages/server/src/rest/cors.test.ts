// CORS_HEADERS and corsPreflight: open CORS for browser clients.
import { describe, expect, it } from 'vitest'
import { CORS_HEADERS, corsPreflight } from './cors.ts'

describe('CORS_HEADERS', () => {
  it('allows any origin', () => {
    expect(CORS_HEADERS).toEqual({ 'Access-Control-Allow-Origin': '*' })
  })
})

describe('corsPreflight', () => {
  it('allows any origin, GET/POST/OPTIONS and the headers realtime-js sends', () => {
    expect(corsPreflight()).toEqual({
      status: 200,
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Allow-Headers': 'apikey, authorization, content-type, x-client-info',
      },
      body: '',
    })
  })

  it('adds the headers the browser asks for, once each', () => {
    const { headers } = corsPreflight('Authorization, X-Custom ,x-supabase-api-version')
    expect(headers['Access-Control-Allow-Headers']).toBe(
      'apikey, authorization, content-type, x-client-info, x-custom, x-supabase-api-version',
    )
  })

  it('reads repeated Access-Control-Request-Headers values', () => {
    expect(corsPreflight(['a', 'b, apikey']).headers['Access-Control-Allow-Headers']).toBe(
      'apikey, authorization, content-type, x-client-info, a, b',
    )
  })
})
