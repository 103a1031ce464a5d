// Live cursors: broadcast event 'cursor' (no ack) on its own channel, pointermove throttled
// to one send per animation frame; other users' cursors drawn as labelled dots over the page.
// Payloads come from anyone: type-checked, the colour used only as #rrggbb (peer.ts).
import type { RealtimeChannel, RealtimeClient } from '@shared-realtime/client'
import type { User } from './api.ts'
import { h } from './dom.ts'
import { drop, peerUser } from './peer.ts'

interface CursorPayload {
  user: User
  x: number
  y: number
  hidden?: boolean
}

const STALE_MS = 10_000

/** A cursor from another user, type-checked, or null (dropped and counted). */
function cursorOf(value: unknown): CursorPayload | null {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>
  const user = peerUser(v.user)
  if (user === null || typeof v.x !== 'number' || typeof v.y !== 'number' || !Number.isFinite(v.x + v.y)) {
    drop('cursor', 'not { user: { id: string }, x: number, y: number }')
    return null
  }
  return { user, x: v.x, y: v.y, hidden: v.hidden === true }
}

export function mountCursors(client: RealtimeClient, me: User, topic: string): RealtimeChannel {
  const layer = h('div', { class: 'cursor-layer', 'aria-hidden': 'true' })
  document.body.append(layer)
  const cursors = new Map<string, { el: HTMLElement; seen: number }>()
  const channel = client.channel(topic, { config: { broadcast: { ack: false, self: false } } })

  channel.on('broadcast', { event: 'cursor' }, (event: { payload?: unknown }) => {
    const p = cursorOf(event.payload)
    if (!p || p.user.id === me.id) return
    let cursor = cursors.get(p.user.id)
    if (p.hidden) {
      cursor?.el.remove()
      cursors.delete(p.user.id)
      return
    }
    if (!cursor) {
      const el = h(
        'div',
        { class: 'cursor', 'data-testid': 'cursor', 'data-user': p.user.id },
        h('span', { class: 'dot' }),
        h('span', { class: 'label' }, p.user.name),
      )
      el.style.setProperty('--cursor-color', p.user.color)
      layer.append(el)
      cursor = { el, seen: 0 }
      cursors.set(p.user.id, cursor)
    }
    cursor.seen = Date.now()
    cursor.el.style.transform = `translate(${p.x}px, ${p.y}px)`
  })
  channel.subscribe()

  let pending: { x: number; y: number } | null = null
  let frame = 0
  const flush = (): void => {
    frame = 0
    if (!pending) return
    const payload: CursorPayload = { user: me, x: Math.round(pending.x), y: Math.round(pending.y) }
    pending = null
    void channel.send({ type: 'broadcast', event: 'cursor', payload }).catch(() => undefined)
  }
  window.addEventListener(
    'pointermove',
    (event) => {
      pending = { x: event.pageX, y: event.pageY }
      if (frame === 0) frame = requestAnimationFrame(flush)
    },
    { passive: true },
  )
  document.documentElement.addEventListener('pointerleave', () => {
    void channel
      .send({ type: 'broadcast', event: 'cursor', payload: { user: me, x: 0, y: 0, hidden: true } })
      .catch(() => undefined)
  })

  setInterval(() => {
    const now = Date.now()
    for (const [id, cursor] of cursors) {
      if (now - cursor.seen > STALE_MS) {
        cursor.el.remove()
        cursors.delete(id)
      }
    }
  }, 1000)
  return channel
}
