import { describe, expect, test } from 'vitest'
import { classifySystemMessage, parseJoinErrorReason } from './index.ts'

describe('parseJoinErrorReason', () => {
  test.each([
    [
      'Unauthorized: You do not have permissions to read from this Channel topic: room',
      'Unauthorized',
      'never',
      'You do not have permissions to read from this Channel topic: room',
    ],
    [
      'InvalidJWTToken: Token has expired 12 seconds ago',
      'InvalidJWTToken',
      'new-token',
      'Token has expired 12 seconds ago',
    ],
    [
      'ClientJoinRateLimitReached: Too many joins per second',
      'ClientJoinRateLimitReached',
      'rate-limited',
      'Too many joins per second',
    ],
    ['ChannelRateLimitReached: Too many channels', 'ChannelRateLimitReached', 'never', 'Too many channels'],
    [
      'RealtimeRestarting: Realtime is restarting, please standby',
      'RealtimeRestarting',
      'later',
      'Realtime is restarting, please standby',
    ],
    ['TopicNameRequired: You must provide a topic name', 'TopicNameRequired', 'never', 'You must provide a topic name'],
    ['unmatched topic', 'UnmatchedTopic', 'never', 'unmatched topic'],
    ['join crashed', 'JoinCrashed', 'later', 'join crashed'],
    ['Unknown Error on Channel', 'Unknown', 'later', 'Unknown Error on Channel'],
    ['SomethingNew: happened', 'Unknown', 'later', 'SomethingNew: happened'],
  ])('reads %j', (reason, code, retry, message) => {
    expect(parseJoinErrorReason(reason)).toEqual({ code, retry, message, raw: reason })
  })
})

describe('classifySystemMessage', () => {
  test.each([
    ['Token has expired 1000 seconds ago', 'token-expired'],
    ['The token provided is not a valid JWT', 'token-invalid'],
    ['Fields `role` and `exp` are required in JWT', 'token-invalid'],
    [':signature_error', 'token-invalid'],
    [':error_generating_signer', 'token-invalid'],
    ['0', 'token-expired'],
    ['Too many messages per second: 0', 'rate-limited'],
    ['You no longer have permission to read from this Channel topic: room', 'permission-revoked'],
    ['Client presence rate limit exceeded', 'rate-limited'],
    ['Server requested disconnect', 'server-disconnect'],
    ['Subscribed to PostgreSQL', 'other'],
  ])('%j is %s', (message, kind) => {
    expect(classifySystemMessage(message)).toBe(kind)
  })
})
