// resolveOptions: the issue #16 additions (Host/Origin allow-lists, non-loopback host, new limits).
import { describe, expect, test } from 'vitest'
import { isLoopbackHost, OptionsError, resolveOptions, SUPABASE_LIMITS } from './options.ts'
import { createRequestGuard } from './request-guard.ts'

const SECRET = 'd'.repeat(40)

describe('resolveOptions', () => {
  test('a non-loopback host needs an explicit jwtSecret', () => {
    expect(() => resolveOptions({ host: '192.168.1.5' }, SECRET)).toThrow(OptionsError)
    expect(() => resolveOptions({ host: '192.168.1.5' }, SECRET)).toThrow(/--jwt-secret/)
    expect(resolveOptions({ host: '192.168.1.5', jwtSecret: 'e'.repeat(40) }, SECRET).host).toBe('192.168.1.5')
    for (const host of ['127.0.0.1', 'localhost', '::1', '127.1.2.3'])
      expect(resolveOptions({ host }, SECRET).host).toBe(host)
  })

  test('allowedOrigins are normalized origins; anything else names the option and the form wanted', () => {
    expect(resolveOptions({ allowedOrigins: ['HTTP://DevBox.test:5173'] }, SECRET).allowedOrigins).toEqual([
      'http://devbox.test:5173',
    ])
    for (const bad of ['devbox.test', 'http://devbox.test/app', 'null', '*'])
      expect(() => resolveOptions({ allowedOrigins: [bad] }, SECRET)).toThrow(/allowedOrigins: .* must be an origin/)
    expect(() => resolveOptions({ allowedOrigins: 'http://a.test' as never }, SECRET)).toThrow(/array of strings/)
  })

  test('allowedHosts are lower-cased names without a port', () => {
    expect(resolveOptions({ allowedHosts: ['DevBox.Test', '[fe80::1]'] }, SECRET).allowedHosts).toEqual([
      'devbox.test',
      'fe80::1',
    ])
    expect(() => resolveOptions({ allowedHosts: ['devbox.test:80'] }, SECRET)).toThrow(/without a port/)
  })

  test("the new limits default to Supabase's and merge partial storedMessages bounds", () => {
    const { limits } = resolveOptions({ limits: { storedMessages: { maxAgeMs: 1000 } as never } }, SECRET)
    expect(limits.maxPresenceEventsPerSecond).toBe(1000)
    expect(limits.maxTopicBytes).toBe(255)
    expect(limits.storedMessages).toEqual({ maxBytes: SUPABASE_LIMITS.storedMessages.maxBytes, maxAgeMs: 1000 })
    expect(() => resolveOptions({ limits: { maxConnections: -1 } }, SECRET)).toThrow(/limits.maxConnections/)
  })
})

describe('loopback names and the request guard', () => {
  test.each([
    ['localhost', true],
    ['LOCALHOST.', true],
    ['app.localhost', true],
    ['127.0.0.1', true],
    ['127.255.0.9', true],
    ['[::1]', true],
    ['::ffff:127.0.0.1', true],
    ['localhost.evil.example', false],
    ['127.0.0.1.evil.example', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
  ])('isLoopbackHost(%j) → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected)
  })

  const guard = createRequestGuard({
    host: '0.0.0.0',
    allowedHosts: ['devbox.test'],
    allowedOrigins: ['https://app.test'],
  })
  test.each([
    [{}, null],
    [{ host: '127.0.0.1:4000' }, null],
    [{ host: '[::1]:4000', origin: 'http://[::1]:5173' }, null],
    [{ host: 'devbox.test:4000', origin: 'https://app.test' }, null],
    [{ host: '0.0.0.0:4000' }, null],
    [{ host: '192.168.1.5:4000' }, 'Forbidden host'],
    [{ host: 'evil.example' }, 'Forbidden host'],
    [{ host: 'a b' }, 'Forbidden host'],
    [{ origin: 'https://app.test:444' }, 'Forbidden origin'],
    [{ origin: 'file://' }, 'Forbidden origin'],
    [{ origin: 'http://localhost.evil.example' }, 'Forbidden origin'],
  ])('%j → %s', (headers, error) => {
    expect(guard(headers)?.body.error ?? null).toBe(error)
  })
})
