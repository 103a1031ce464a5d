// JWT auth like Supabase Realtime's: keys and signing, verification with Realtime's error texts,
// and how a failure reads on the upgrade, in a join reply and in a channel shutdown.
export { DEFAULT_JWT_SECRET, LOCAL_KEY_EXPIRY, mintKeys, signToken } from './keys.ts'
export type { ApiKeys, HmacAlgorithm, SignOptions } from './keys.ts'
export { JWT_MESSAGES, expiredMessage, verifyToken } from './verify.ts'
export type { JwtClaims, JwtErrorCode, VerifyFailure, VerifyResult } from './verify.ts'
export { UNKNOWN_JOIN_ERROR, connectFailure, joinFailureReason, shutdownMessage } from './messages.ts'
export type { ConnectFailure, TokenFailure } from './messages.ts'
export { TOKEN_RECHECK_INTERVAL_MS, channelToken, recheckDelayMs } from './channel-token.ts'
