// The refusal texts Realtime uses for private channels, and the decisions behind them.
import { describe, expect, it } from 'vitest'
import { accessTokenRecheck, canRead, readDeniedMessage, readRevokedMessage, unauthorizedReason } from './messages.ts'
import type { Permissions } from './permissions.ts'

const perms = (broadcastRead: boolean, presenceRead: boolean): Permissions => ({
  broadcast: { read: broadcastRead, write: false },
  presence: { read: presenceRead, write: false },
})

describe('messages', () => {
  it('match Realtime word for word', () => {
    expect(unauthorizedReason('room:1')).toBe(
      'Unauthorized: You do not have permissions to read from this Channel topic: room:1',
    )
    expect(readDeniedMessage('room:1')).toBe('You do not have permissions to read from this Channel topic: room:1')
    expect(readRevokedMessage('room:1')).toBe('You no longer have permission to read from this Channel topic: room:1')
  })
})

describe('canRead', () => {
  it('admits on broadcast read', () => {
    expect(canRead(perms(true, false), false)).toBe(true)
  })

  it('admits on presence read only when presence is enabled', () => {
    expect(canRead(perms(false, true), true)).toBe(true)
    expect(canRead(perms(false, true), false)).toBe(false)
  })

  it('refuses without any read', () => {
    expect(canRead(perms(false, false), true)).toBe(false)
  })
})

describe('accessTokenRecheck', () => {
  it('keeps the channel when reads are unchanged', () => {
    expect(accessTokenRecheck(perms(true, true), perms(true, true), 'room', true)).toBeNull()
  })

  it('keeps the channel when a read is newly granted', () => {
    expect(accessTokenRecheck(perms(false, true), perms(true, true), 'room', true)).toBeNull()
  })

  it('says "do not have permissions" when nothing is readable any more', () => {
    expect(accessTokenRecheck(perms(true, false), perms(false, false), 'room', true)).toBe(
      'You do not have permissions to read from this Channel topic: room',
    )
  })

  it('says "no longer have permission" when one granted read is revoked', () => {
    expect(accessTokenRecheck(perms(true, true), perms(false, true), 'room', true)).toBe(
      'You no longer have permission to read from this Channel topic: room',
    )
    expect(accessTokenRecheck(perms(true, true), perms(true, false), 'room', true)).toBe(
      'You no longer have permission to read from this Channel topic: room',
    )
  })

  it('ignores presence when presence is not enabled', () => {
    expect(accessTokenRecheck(perms(true, true), perms(true, false), 'room', false)).toBeNull()
    expect(accessTokenRecheck(perms(true, true), perms(false, true), 'room', false)).toBe(
      'You do not have permissions to read from this Channel topic: room',
    )
  })
})
