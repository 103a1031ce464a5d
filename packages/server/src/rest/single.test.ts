// parseSingleBroadcast and decodeJsonBody: content types, bodies, private, and the 400/415/422 answers.
import { describe, expect, it } from 'vitest'
import { decodeJsonBody, parseMediaType } from './body.ts'
import { parseSingleBroadcast, type SingleBroadcastRequest } from './single.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const request = (overrides: Partial<SingleBroadcastRequest> = {}): SingleBroadcastRequest => ({
  topic: 'room:1',
  event: 'msg',
  contentType: 'application/json',
  body: bytes('{"text":"hi"}'),
  ...overrides,
})
const unsupported = {
  ok: false,
  status: 415,
  body: { error: 'Unsupported Media Type. Use application/json or application/octet-stream' },
}

describe('parseSingleBroadcast', () => {
  it('takes a JSON object body as the payload', () => {
    expect(parseSingleBroadcast(request())).toEqual({
      ok: true,
      topic: 'room:1',
      event: 'msg',
      private: false,
      encoding: 'json',
      payload: { text: 'hi' },
    })
  })

  it('delivers an octet-stream body as bytes', () => {
    const body = new Uint8Array([0, 1, 255])
    expect(parseSingleBroadcast(request({ contentType: 'application/octet-stream', body }))).toEqual({
      ok: true,
      topic: 'room:1',
      event: 'msg',
      private: false,
      encoding: 'binary',
      bytes: body,
    })
  })

  it('accepts an empty octet-stream body', () => {
    expect(
      parseSingleBroadcast(request({ contentType: 'application/octet-stream', body: new Uint8Array(0) })),
    ).toMatchObject({
      ok: true,
      encoding: 'binary',
    })
  })

  it.each([
    ['an empty JSON body', 'application/json', '', {}],
    ['a JSON array', 'application/json', '[1,2]', { _json: [1, 2] }],
    ['a JSON string', 'application/json; charset=utf-8', '"hi"', { _json: 'hi' }],
    ['no Content-Type (body ignored)', undefined, 'not json', {}],
    ['upper-case JSON media type', 'Application/JSON', '{"a":1}', { a: 1 }],
  ])('makes the payload of %s', (_name, contentType, body, payload) => {
    expect(parseSingleBroadcast(request({ contentType, body: bytes(body) }))).toMatchObject({
      ok: true,
      encoding: 'json',
      payload,
    })
  })

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', '', 'json'])(
    'refuses Content-Type %j with 415',
    (contentType) => {
      expect(parseSingleBroadcast(request({ contentType, body: bytes('{}') }))).toEqual(unsupported)
    },
  )

  it.each([
    ['invalid JSON', 'application/json', '{"a":'],
    ['invalid JSON under a +json type, before the 415', 'application/vnd.api+json', 'nope'],
    ['whitespace only', 'application/json', '  '],
  ])('answers 400 "Bad Request" for %s', (_name, contentType, body) => {
    expect(parseSingleBroadcast(request({ contentType, body: bytes(body) }))).toEqual({
      ok: false,
      status: 400,
      body: 'Bad Request',
    })
  })

  it('answers 400 for a JSON body that is not UTF-8', () => {
    expect(parseSingleBroadcast(request({ body: new Uint8Array([0x22, 0xff, 0x22]) }))).toMatchObject({ status: 400 })
  })

  describe('private', () => {
    const isPrivate = (overrides: Partial<SingleBroadcastRequest>) => {
      const result = parseSingleBroadcast(request(overrides))
      return result.ok ? result.private : result
    }

    it.each([
      ['private=true', true],
      ['private=TRUE', false],
      ['private=1', false],
      ['private=false', false],
      ['private', false],
      ['private=false&private=true', true],
      ['private=true&private=false', false],
    ])('reads the query %s as %s', (query, expected) => {
      expect(isPrivate({ query: new URLSearchParams(query) })).toBe(expected)
    })

    it('lets a JSON body key override the query, as Phoenix merges body params over query params', () => {
      expect(isPrivate({ body: bytes('{"private":true}') })).toBe(true)
      expect(isPrivate({ body: bytes('{"private":"true"}'), query: new URLSearchParams('private=false') })).toBe(true)
      expect(isPrivate({ body: bytes('{"private":false}'), query: new URLSearchParams('private=true') })).toBe(false)
    })

    it('reads only the query for binary bodies', () => {
      expect(isPrivate({ contentType: 'application/octet-stream', query: new URLSearchParams('private=true') })).toBe(
        true,
      )
    })
  })

  describe('422', () => {
    it('names blank topic and event, in sorted order', () => {
      const result = parseSingleBroadcast(request({ topic: ' ', event: '' }))
      expect(result).toEqual({
        ok: false,
        status: 422,
        body: { errors: { event: ["can't be blank"], topic: ["can't be blank"] } },
      })
      expect(JSON.stringify(!result.ok && result.body)).toBe(
        '{"errors":{"event":["can\'t be blank"],"topic":["can\'t be blank"]}}',
      )
    })

    it('rejects a JSON payload over the limit', () => {
      // {"d": "xxxxx"}: 1 + 5 + (5 + 1) + (5 + 5) = 22
      expect(parseSingleBroadcast(request({ body: bytes('{"d":"xxxxx"}'), maxPayloadBytes: 22 }))).toMatchObject({
        ok: true,
      })
      expect(parseSingleBroadcast(request({ body: bytes('{"d":"xxxxx"}'), maxPayloadBytes: 21 }))).toEqual({
        ok: false,
        status: 422,
        body: { errors: { payload: ['Payload size exceeds tenant limit'] } },
      })
    })

    it('measures a binary payload as its length plus 6', () => {
      const binary = { contentType: 'application/octet-stream', body: new Uint8Array(100) }
      expect(parseSingleBroadcast(request({ ...binary, maxPayloadBytes: 106 }))).toMatchObject({ ok: true })
      expect(parseSingleBroadcast(request({ ...binary, maxPayloadBytes: 105 }))).toMatchObject({ status: 422 })
    })
  })
})

describe('parseMediaType', () => {
  it.each([
    ['application/json', { type: 'application', subtype: 'json' }],
    [' Application/Octet-Stream ; q=1', { type: 'application', subtype: 'octet-stream' }],
    ['application/json', { type: 'application', subtype: 'json' }],
    ['application', null],
    ['', null],
    [undefined, null],
  ])('reads %j', (header, expected) => {
    expect(parseMediaType(header)).toEqual(expected)
  })
})

describe('decodeJsonBody', () => {
  it('ignores bodies of non-JSON types', () => {
    expect(decodeJsonBody('application/x-www-form-urlencoded', bytes('messages=1'))).toEqual({ ok: true, params: {} })
  })

  it('decodes a JSON object as the params', () => {
    expect(decodeJsonBody('application/json', bytes('{"messages":[]}'))).toEqual({ ok: true, params: { messages: [] } })
  })

  it('refuses a byte order mark, as Jason does', () => {
    expect(decodeJsonBody('application/json', bytes('\uFEFF{}'))).toMatchObject({ status: 400 })
  })
})
