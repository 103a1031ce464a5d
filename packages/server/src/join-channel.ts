// phx_join, in Realtime's order (PROTOCOL.md §3.2): topic → faults → private-only →
// concurrent users → joins/s → channels per client → token → RLS-like policies →
// replay → subscribe; then the reply and the post-join frames (§2.1): replayed
// broadcasts, the postgres_changes `system` status, "Replication connection
// established", presence_state.
//
// A duplicate join on a topic this socket already joined replaces the old channel:
// the old one stops silently and its phx_close is sent after the new reply (§2.2).

import { randomUUID } from 'node:crypto'
import type { Message } from '@shared-realtime/protocol'
import { channelToken, joinFailureReason } from './auth/index.ts'
import { ChannelSession } from './channel.ts'
import type { Connection } from './connection.ts'
import type { Context } from './context.ts'
import { allPermissions, canRead, type Permissions, unauthorizedReason } from './policies/index.ts'
import { readJoinConfig } from './join-config.ts'
import type { StoredMessage } from './message-log.ts'

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export async function joinChannel(ctx: Context, connection: Connection, message: Message): Promise<void> {
  const { topic, ref, join_ref: joinRefIn } = message
  if (!topic.startsWith('realtime:')) {
    return connection.reply(null, ref, topic, 'error', { reason: 'unmatched topic' })
  }
  const joinRef = joinRefIn ?? ref ?? ''
  const refuse = async (reason: string) => {
    if (ctx.options.joinErrorDelayMs > 0) await sleep(ctx.options.joinErrorDelayMs)
    ctx.log.info(`socket ${connection.id}: join ${topic} refused: ${reason}`)
    connection.reply(joinRefIn, ref, topic, 'error', { reason })
  }

  // The old channel of a duplicate join stops now, whatever the new join's fate (§2.2).
  const previous = connection.channels.get(topic)
  if (previous) previous.terminate()
  const closePrevious = () =>
    previous &&
    connection.send({ join_ref: previous.joinRef, ref: previous.joinRef, topic, event: 'phx_close', payload: {} })

  const subTopic = topic.slice('realtime:'.length)
  const { faults, options } = ctx
  const { limits } = options
  const config = readJoinConfig(message.payload)
  const decide = async (): Promise<
    string | { claims: Record<string, unknown>; token: string; permissions: Permissions; stored: StoredMessage[] }
  > => {
    if (subTopic === '') return 'TopicNameRequired: You must provide a topic name'
    if (Buffer.byteLength(topic) > limits.maxTopicBytes)
      return `TopicNameTooLong: The topic must be at most ${limits.maxTopicBytes} bytes`
    if (faults.joins.delayMs > 0) await sleep(faults.joins.delayMs)
    if (faults.joins.refuse !== undefined) return faults.joins.refuse
    if (options.privateOnly && !config.isPrivate) return 'PrivateOnly: This project only allows private channels'
    if (connection.channels.size === 0) {
      if (ctx.activeSockets() >= limits.maxConcurrentUsers)
        return 'ConnectionRateLimitReached: Too many connected users'
      // counted from here on, across the awaits below, so that concurrent first joins cannot overshoot the limit
      ctx.joining.add(connection)
    }
    ctx.joinRate.add()
    if (ctx.joinRate.rate() > limits.maxJoinsPerSecond) return 'ClientJoinRateLimitReached: Too many joins per second'
    if (connection.channels.size >= limits.maxChannelsPerClient) return 'ChannelRateLimitReached: Too many channels'
    const token = channelToken(message.payload, connection.token)
    const verified = await ctx.verify(token)
    if (!verified.ok) return joinFailureReason(verified)
    let permissions: Permissions = allPermissions()
    if (config.isPrivate) {
      permissions = await ctx.authorize(subTopic, verified.claims, connection.headers)
      if (!canRead(permissions, config.presenceEnabled)) return unauthorizedReason(subTopic)
    }
    if (config.replay === 'invalid') return 'UnableToReplayMessages: Replay params are not valid'
    if (config.replay && !config.isPrivate) return 'UnableToReplayMessages: Replay is not allowed for public channels'
    let stored: StoredMessage[] = []
    if (config.replay && permissions.broadcast.read) {
      try {
        stored = await ctx.storedMessages(subTopic, config.replay.since, config.replay.limit)
      } catch (error) {
        ctx.log.error(`UnableToReplayMessages on ${subTopic}: ${String(error)}`)
        return 'UnableToReplayMessages: Realtime was unable to replay messages'
      }
    }
    return { claims: verified.claims, token, permissions, stored }
  }
  let reason: Awaited<ReturnType<typeof decide>>
  try {
    reason = await decide()
  } finally {
    // a refused join stops counting; a granted one counts by its channel from now on: it is set below
    // with no await in between
    ctx.joining.delete(connection)
  }

  if (typeof reason === 'string') {
    await refuse(reason)
    closePrevious()
    if (reason.startsWith('ClientJoinRateLimitReached')) connection.close(1001, 'join rate limit')
    return
  }
  if (connection.closed) return

  const { stored, ...granted } = reason
  const session = new ChannelSession(ctx, connection, {
    topic,
    joinRef,
    config,
    presenceKey: config.presenceKey || randomUUID(),
    ...granted,
  })
  connection.channels.set(topic, session)
  const pg = ctx.postgres.prepare(config.postgresChanges)
  connection.reply(joinRef, ref, topic, 'ok', { postgres_changes: pg.reply })
  closePrevious()
  ctx.log.info(`socket ${connection.id}: joined ${topic}${config.isPrivate ? ' (private)' : ''}`)

  if (config.replay && config.replay !== 'invalid' && session.permissions.broadcast.read)
    session.replay(config.replay, stored)
  if (pg.reply.length > 0) {
    const error = await ctx.postgres.activate(session, pg)
    if (error) session.pushSystem('postgres_changes', 'error', error)
    else session.pushSystem('postgres_changes', 'ok', 'Subscribed to PostgreSQL')
  }
  if (config.replicationReady) session.pushSystem('system', 'ok', 'Replication connection established')
  if (config.presenceEnabled && session.permissions.presence.read) session.pushPresenceState()
}
