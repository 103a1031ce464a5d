// @shared-realtime/engine — the connection engine, platform-neutral (issue #4).
// Nothing is exported yet: ConnectionMachine, HeartbeatMonitor, AuthTokenManager,
// MessageRouter, ChannelMachine, Outbox, PresenceTracker and TabRegistry land here.
export const PACKAGE_STATUS = 'stub' as const
