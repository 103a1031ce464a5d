// Who is online: presence on the lobby channel, keyed by user id, so a user with many tabs
// is one entry (the client shares one presence meta per browser). Metas come from anyone:
// each field is type-checked, a colour used only as #rrggbb (peer.ts).
import type { RealtimeChannel } from '@shared-realtime/client'
import type { User } from './api.ts'
import { avatar, h } from './dom.ts'
import { safeColor, safeId, safeName } from './peer.ts'

/** What a tab tracks; another user's may hold anything. */
interface Meta {
  id?: unknown
  name?: unknown
  color?: unknown
}

export interface PresenceList {
  /** How many tabs of this browser share the client (from the inspector): shown on the own entry. */
  tabs(n: number): void
}

export function mountPresence(root: HTMLElement, channel: RealtimeChannel, me: User): PresenceList {
  let tabs = 0
  const count = h('span', { class: 'count', 'data-testid': 'presence-count' }, '0')
  const list = h('ul', { class: 'presence', 'aria-label': 'Users online' })
  root.replaceChildren(h('h2', {}, 'Online ', count), list)

  function render(): void {
    const state = channel.presenceState<Meta>()
    let users = Object.entries(state).map(([key, metas]) => {
      const meta: Meta = metas[0] ?? {}
      return { id: safeId(meta.id) ?? key, name: safeName(meta.name), color: safeColor(meta.color) }
    })
    users = users.toSorted((a, b) => (a.id === me.id ? -1 : b.id === me.id ? 1 : a.name.localeCompare(b.name)))
    count.textContent = String(users.length)
    list.replaceChildren(
      ...users.map((u) =>
        h(
          'li',
          { class: 'presence-user', 'data-testid': 'presence-user', 'data-user': u.id },
          avatar(u.name, u.color, 'sm'),
          h('span', { class: 'name' }, u.name),
          u.id === me.id
            ? h('span', { class: 'muted', 'data-testid': 'my-tabs' }, tabs > 1 ? `(you · ${tabs} tabs)` : '(you)')
            : '',
        ),
      ),
    )
  }

  channel.on('presence', { event: 'sync' }, render)
  render()
  return {
    tabs(n) {
      if (n === tabs) return
      tabs = n
      render()
    },
  }
}
