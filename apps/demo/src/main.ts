// The demo app (issue #6): a guest signs in, then chat + presence on `room:lobby`, live
// cursors on `room:lobby-cursors`, a Postgres-backed todo list and an inspector of the
// engine every tab of this browser shares (one WebSocket, whatever the number of tabs).
import { RealtimeClient } from '@shared-realtime/client'
import { Api } from './api.ts'
import { signIn, signOut } from './auth.ts'
import { mountBanner } from './banner.ts'
import { anonKey, realtimeUrl } from './config.ts'
import { mountChat } from './chat.ts'
import { mountCursors } from './cursors.ts'
import { avatar, errorMessage, h } from './dom.ts'
import { mountInspector } from './inspector.ts'
import { mountPresence } from './presence.ts'
import { mountTodos } from './todos.ts'

declare global {
  interface Window {
    __realtime: RealtimeClient
  }
}

const ROOM = 'lobby'

const client = new RealtimeClient(realtimeUrl, { params: { apikey: anonKey } })
if (import.meta.env.DEV || import.meta.env.MODE === 'test') window.__realtime = client

const app = document.querySelector<HTMLElement>('#app')!
const account = document.querySelector<HTMLElement>('#account')!

async function start(): Promise<void> {
  const { token, user } = await signIn(app)
  await client.setAuth(token)
  const api = new Api(token)

  const signOutButton = h('button', { type: 'button', class: 'link', 'data-testid': 'sign-out' }, 'Sign out')
  signOutButton.addEventListener('click', signOut)
  account.replaceChildren(
    avatar(user.name, user.color),
    h('span', { class: 'name', 'data-testid': 'me' }, user.name),
    signOutButton,
  )

  const chatEl = h('section', { class: 'card chat', 'aria-label': 'Chat' })
  const presenceEl = h('section', { class: 'card', 'aria-label': 'Who is online' })
  const todosEl = h('section', { class: 'card', 'aria-label': 'Todos' })
  const inspectorEl = h('section', { class: 'card inspector', 'aria-label': 'Inspector' })
  app.replaceChildren(
    h('div', { class: 'layout' }, chatEl, h('aside', { class: 'side' }, presenceEl, todosEl, inspectorEl)),
  )
  mountBanner(document.querySelector<HTMLElement>('#banner-slot')!, client)

  const lobby = client.channel(`room:${ROOM}`, {
    config: { broadcast: { ack: true, self: true }, presence: { key: user.id } },
  })
  const presence = mountPresence(presenceEl, lobby, user)
  const inspector = mountInspector(inspectorEl, client, (tabs) => presence.tabs(tabs))
  client.onHeartbeat((status, latency) => {
    if (status === 'ok' && typeof latency === 'number') inspector.rtt(latency)
  })

  const chat = mountChat(chatEl, lobby, api, user, ROOM)
  lobby.on('system', {}, (payload: { message?: string }) => {
    if (payload.message === 'resubscribed' || payload.message === 'gap') void chat.reload()
  })
  lobby.subscribe((status) => {
    if (status === 'SUBSCRIBED')
      void lobby.track({ id: user.id, name: user.name, color: user.color }).catch(() => undefined)
  })

  mountCursors(client, user, `room:${ROOM}-cursors`)
  mountTodos(todosEl, client, api)
}

start().catch((error: unknown) => {
  app.replaceChildren(
    h('p', { class: 'form-error card', role: 'alert' }, `The demo could not start: ${errorMessage(error)}`),
  )
})
