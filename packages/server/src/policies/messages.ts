// The texts and decisions Realtime derives from a private channel's permissions
// (RealtimeChannel.maybe_assign_policies/3, check_read_permissions_revoked/2; PROTOCOL.md §3.3, §3.4).
import type { Permissions } from './permissions.ts'

/** `"You do not have permissions to read from this Channel topic: <sub>"`. */
export const readDeniedMessage = (subTopic: string): string =>
  `You do not have permissions to read from this Channel topic: ${subTopic}`

/** The join error reason: `"Unauthorized: You do not have permissions to read from this Channel topic: <sub>"`. */
export const unauthorizedReason = (subTopic: string): string => `Unauthorized: ${readDeniedMessage(subTopic)}`

/** `"You no longer have permission to read from this Channel topic: <sub>"` (note: "permission", singular). */
export const readRevokedMessage = (subTopic: string): string =>
  `You no longer have permission to read from this Channel topic: ${subTopic}`

/**
 * Whether a private join may proceed: broadcast.read, or presence.read when presence is enabled
 * (Realtime only probes presence when it is enabled for the channel, so presence.read alone does
 * not admit a channel without presence).
 */
export function canRead(permissions: Permissions, presenceEnabled: boolean): boolean {
  return permissions.broadcast.read || (presenceEnabled && permissions.presence.read)
}

const revoked = (before: boolean, after: boolean): boolean => before && !after

/**
 * After an `access_token` push on a private channel, with the permissions evaluated under the old
 * and the new token: the shutdown message, or null when the channel stays. Nothing readable →
 * readDeniedMessage; still readable but a read that was granted is now denied → readRevokedMessage.
 */
export function accessTokenRecheck(
  previous: Permissions,
  current: Permissions,
  subTopic: string,
  presenceEnabled: boolean,
): string | null {
  if (!canRead(current, presenceEnabled)) return readDeniedMessage(subTopic)
  if (revoked(previous.broadcast.read, current.broadcast.read)) return readRevokedMessage(subTopic)
  if (presenceEnabled && revoked(previous.presence.read, current.presence.read)) return readRevokedMessage(subTopic)
  return null
}
