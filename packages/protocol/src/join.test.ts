import { describe, expect, test } from 'vitest'
import { buildJoinPayload } from './index.ts'

describe('buildJoinPayload', () => {
  test("writes every default out, in realtime-js's key order", () => {
    const payload = buildJoinPayload({ topic: 'realtime:room1', accessToken: 'jwt1', config: { private: true } })
    expect(JSON.stringify(payload)).toBe(
      '{"config":{"broadcast":{"ack":false,"self":false},"presence":{"key":"","enabled":false},"postgres_changes":[],"private":true},"access_token":"jwt1"}',
    )
  })

  test('leaves access_token out when there is no token', () => {
    expect(buildJoinPayload({ topic: 't', accessToken: null })).not.toHaveProperty('access_token')
  })

  test('a presence listener enables presence even when config says nothing', () => {
    expect(buildJoinPayload({ topic: 't', hasPresenceListeners: true }).config.presence).toEqual({
      key: '',
      enabled: true,
    })
    expect(
      buildJoinPayload({ topic: 't', config: { presence: { key: 'u1', enabled: true } } }).config.presence,
    ).toEqual({ key: 'u1', enabled: true })
  })

  test('carries postgres_changes entries as copies', () => {
    const entries = [{ event: 'INSERT' as const, schema: 'public', table: 'todos', filter: 'list_id=eq.1' }]
    const payload = buildJoinPayload({ topic: 't', postgresChanges: entries })
    expect(payload.config.postgres_changes).toEqual(entries)
    expect(payload.config.postgres_changes[0]).not.toBe(entries[0])
  })

  test('passes replay, replication_ready and postgres_changes_options through', () => {
    const payload = buildJoinPayload({
      topic: 't',
      config: {
        private: true,
        broadcast: { self: true, replay: { since: 1_700_000_000_000, limit: 10 }, replication_ready: true },
        postgres_changes_options: { wait: true },
      },
    })
    expect(payload.config.broadcast).toEqual({
      ack: false,
      self: true,
      replay: { since: 1_700_000_000_000, limit: 10 },
      replication_ready: true,
    })
    expect(payload.config.postgres_changes_options).toEqual({ wait: true })
  })

  test('refuses replay on a public channel, as realtime-js does', () => {
    expect(() => buildJoinPayload({ topic: 'realtime:r', config: { broadcast: { replay: { since: 0 } } } })).toThrow(
      'channel "realtime:r": config.broadcast.replay works only on private channels; set config.private: true',
    )
  })

  test.each([
    [{ broadcast: { self: 'yes' } }, 'config.broadcast.self must be true or false, got "yes"'],
    [{ private: 1 }, 'config.private must be true or false, got 1'],
    [{ presence: { key: 7 } }, 'config.presence.key must be a string, got 7'],
    [
      { private: true, broadcast: { replay: { since: 'today' } } },
      'config.broadcast.replay must be { since: <ms since epoch>, limit?: 1..25 }',
    ],
    [
      { private: true, broadcast: { replay: { since: 0, limit: 26 } } },
      'config.broadcast.replay.limit must be an integer from 1 to 25, got 26',
    ],
  ])('names the option and value in errors: %j', (config, message) => {
    expect(() => buildJoinPayload({ topic: 't', config: config as never })).toThrow(message)
  })
})
