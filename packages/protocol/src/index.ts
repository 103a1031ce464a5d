// @shared-realtime/protocol — the Supabase Realtime wire format. Pure: no I/O, no timers.

export type {
  BroadcastMeta,
  BroadcastPayload,
  Message,
  PhxEvent,
  RealtimeEvent,
  ReplyPayload,
  SystemPayload,
  Vsn,
} from './message.ts'
export {
  DEFAULT_VSN,
  isVsn,
  PHOENIX_TOPIC,
  PHX_EVENTS,
  REALTIME_EVENTS,
  subTopic,
  TOPIC_PREFIX,
  VSN,
} from './message.ts'

export type { DecodeResult, EncodeOptions, Frame, Role, Serializer, SerializerOptions } from './serializer.ts'
export { createSerializer } from './serializer.ts'
export type { DecodeError, DecodeErrorKind, EncodeErrorKind } from './errors.ts'
export { DECODE_ERROR_KINDS, ENCODE_ERROR_KINDS, EncodeError } from './errors.ts'
export { BINARY_KINDS, PAYLOAD_ENCODING } from './binary.ts'
export { isBinary } from './bytes.ts'

export type { BroadcastConfig, ChannelConfig, JoinPayload, JoinPayloadInput, PresenceConfig } from './join.ts'
export { buildJoinPayload } from './join.ts'

export type { JoinErrorCode, KnownJoinErrorCode, Retry, ServerReason, ShutdownKind } from './reasons.ts'
export { classifySystemMessage, JOIN_ERROR_CODES, parseJoinErrorReason } from './reasons.ts'

export * from './postgres/index.ts'
export * from './presence/index.ts'

/** A non-null, non-array object: the one guard every package uses for untrusted data. */
export { isRecord } from './is-record.ts'

/** A random UUID v4 from crypto.getRandomValues: no secure context needed (crypto.randomUUID needs one). */
export { randomUuid } from './random.ts'

/** Characters above U+00FF, made at run time: a script that spells one out is held as UTF-16 (decision 82). */
export { ELLIPSIS, EN_DASH, GE } from './wide-chars.ts'
