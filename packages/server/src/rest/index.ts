// The REST broadcast API as pure request → result functions (PROTOCOL.md §4); the core wires them
// to HTTP. Realtime's order for a request: body parse (400) → CORS → content type (415, single
// only) → authentication (401) → validation (422) → 202 with an empty body.
export { parseBatchBroadcast } from './batch.ts'
export type { BatchErrors, BatchOptions, BatchResult, BroadcastMessage } from './batch.ts'
export { UNSUPPORTED_MEDIA_TYPE, parseSingleBroadcast } from './single.ts'
export type { SingleBroadcastRequest, SingleBroadcastResult } from './single.ts'
export { BAD_REQUEST, decodeJsonBody, parseMediaType } from './body.ts'
export type { BodyParams, MediaType } from './body.ts'
export { MALFORMED_AUTHORIZATION, UNAUTHORIZED, authorizeRest } from './auth.ts'
export type { RestAuthFailure, RestAuthResult, RestHeaders } from './auth.ts'
export { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_HEADERS, corsPreflight } from './cors.ts'
export type { PreflightResponse } from './cors.ts'
export { DEFAULT_MAX_PAYLOAD_BYTES, PAYLOAD_TOO_LARGE, erlangExternalSize, payloadLimitBytes } from './payload-size.ts'
