// What the server's error strings mean (PROTOCOL.md §3.3, §3.6, §3.8), so the engine
// can decide what to do with a refused join or a channel shutdown without matching
// strings itself. Join errors read "<Code>: <message>"; a few have no code.

export const JOIN_ERROR_CODES = [
  'InvalidJWTToken',
  'MalformedJWT',
  'JwtSignatureError',
  'JwtSignerError',
  'Unauthorized',
  'ChannelRateLimitReached',
  'ConnectionRateLimitReached',
  'ClientJoinRateLimitReached',
  'PrivateOnly',
  'TopicNameRequired',
  'TenantNotFound',
  'RealtimeDisabledForTenant',
  'RealtimeRestarting',
  'UnableToReplayMessages',
  'IncreaseConnectionPool',
  'UnableToConnectToProject',
  'InitializingProjectConnection',
  'DatabaseLackOfConnections',
  'UnknownErrorOnChannel',
] as const
export type KnownJoinErrorCode = (typeof JOIN_ERROR_CODES)[number]
/** A known code, `UnmatchedTopic` ("unmatched topic"), `JoinCrashed` ("join crashed"), or `Unknown`. */
export type JoinErrorCode = KnownJoinErrorCode | 'UnmatchedTopic' | 'JoinCrashed' | 'Unknown'

/**
 * What a client can do about an error:
 * - `never`: the same request will be refused again (permissions, bad topic, bad config);
 * - `new-token`: retry only with a different access token;
 * - `rate-limited`: retry after a longer backoff than usual;
 * - `later`: a passing server condition; retry with the usual backoff.
 */
export type Retry = 'never' | 'new-token' | 'rate-limited' | 'later'

export interface ServerReason {
  code: JoinErrorCode
  /** The text after "<Code>: ", or the whole reason when it has no code. */
  message: string
  /** The reason exactly as the server sent it. */
  raw: string
  retry: Retry
}

const RETRY: Record<JoinErrorCode, Retry> = {
  InvalidJWTToken: 'new-token',
  MalformedJWT: 'new-token',
  JwtSignatureError: 'new-token',
  JwtSignerError: 'never',
  Unauthorized: 'never',
  ChannelRateLimitReached: 'never',
  ConnectionRateLimitReached: 'rate-limited',
  ClientJoinRateLimitReached: 'rate-limited',
  PrivateOnly: 'never',
  TopicNameRequired: 'never',
  TenantNotFound: 'never',
  RealtimeDisabledForTenant: 'never',
  RealtimeRestarting: 'later',
  UnableToReplayMessages: 'never',
  IncreaseConnectionPool: 'later',
  UnableToConnectToProject: 'later',
  InitializingProjectConnection: 'later',
  DatabaseLackOfConnections: 'later',
  UnknownErrorOnChannel: 'later',
  UnmatchedTopic: 'never',
  JoinCrashed: 'later',
  Unknown: 'later',
}

const KNOWN = new Set<string>(JOIN_ERROR_CODES)
const CODED = /^([A-Za-z]+): ([\s\S]*)$/

/** Reads a join error reason, e.g. `"Unauthorized: You do not have permissions to read from this Channel topic: room"`. */
export function parseJoinErrorReason(reason: string): ServerReason {
  const raw = reason
  if (raw === 'unmatched topic') return { code: 'UnmatchedTopic', message: raw, raw, retry: 'never' }
  if (raw === 'join crashed') return { code: 'JoinCrashed', message: raw, raw, retry: 'later' }
  const match = CODED.exec(raw)
  const code = match && KNOWN.has(match[1]!) ? (match[1] as KnownJoinErrorCode) : 'Unknown'
  const message = code === 'Unknown' ? raw : match![2]!
  return { code, message, raw, retry: RETRY[code] }
}

/** The kinds of channel shutdown a `system` error message (followed by `phx_close`) announces. */
export type ShutdownKind =
  'token-expired' | 'token-invalid' | 'permission-revoked' | 'rate-limited' | 'server-disconnect' | 'other'

const SHUTDOWN_PATTERNS: ReadonlyArray<[RegExp, ShutdownKind]> = [
  [/^Token has expired/, 'token-expired'],
  // an exp that rounds to now: Realtime prints the non-positive `exp - now`
  [/^-?\d+$/, 'token-expired'],
  [
    /^(The token provided is not a valid JWT|Fields `role` and `exp` are required in JWT|Token expiration time is invalid|Failed to validate JWT signature)/,
    'token-invalid',
  ],
  // a bad signature or no signer after an access_token push: Realtime prints the error atom with inspect/1
  [/^:(signature_error|error_generating_signer)$/, 'token-invalid'],
  [/^You (do not have|no longer have) permission/, 'permission-revoked'],
  [
    /^(Too many messages per second|Too many presence messages per second|Client presence rate limit exceeded)/,
    'rate-limited',
  ],
  [/^Server requested disconnect/, 'server-disconnect'],
]

/** Classifies the message of a `system` event with status "error" (or the server-disconnect notice). */
export function classifySystemMessage(message: string): ShutdownKind {
  for (const [pattern, kind] of SHUTDOWN_PATTERNS) if (pattern.test(message)) return kind
  return 'other'
}
