// Room chat over broadcast on the lobby channel (ack and self on), history from REST.
// A message is sent DURABLY: the shared worker stores it (IndexedDB) until the server
// acknowledges it, so a message written offline, or in a tab closed before the network came
// back, is still delivered once. Its state: 'sending' (in flight) → 'sent' (acknowledged, or
// its echo came back) | 'queued' (no answer yet: stored, goes out when connected) |
// 'failed' (refused by the server: Retry). The sender's tabs also store each of their
// messages through REST (idempotent by id) once the server relayed it: only messages this
// browser wrote (WrittenMessages), with the text written here, whatever a broadcast claims
// (decision 72). Messages are deduplicated by id (history, echoes, retries); fields of
// broadcasts from other users are type-checked (peer.ts).
import type { RealtimeChannel } from '@shared-realtime/client'
import { randomUuid } from '@shared-realtime/protocol'
import type { Api, ChatMessage, User } from './api.ts'
import { avatar, errorMessage, formatTime, h } from './dom.ts'
import { drop, MAX_TEXT, peerUser, safeId, safeTime } from './peer.ts'
import { WrittenMessages } from './written.ts'

type MessageState = 'sending' | 'queued' | 'sent' | 'failed' | 'received'

const STATE_LABEL: Record<Exclude<MessageState, 'received'>, string> = {
  sending: 'sending…',
  queued: 'queued: goes out when connected',
  sent: 'sent',
  failed: 'not sent',
}

interface Entry {
  message: ChatMessage
  state: MessageState
  /** Written by this guest: by this browser, or stored under this guest's token (history). */
  own: boolean
  el: HTMLElement
}

interface WireMessage {
  id: string
  text: string
  user: User
  created_at?: string
}

/** A broadcast message, type-checked (it may come from anyone), or null (dropped and counted). */
function wireMessage(value: unknown): WireMessage | null {
  if (typeof value !== 'object' || value === null) return reject('not an object')
  const v = value as Record<string, unknown>
  const id = safeId(v.id)
  if (id === null) return reject('"id" is not a string of 1 to 100 characters')
  if (typeof v.text !== 'string' || v.text.length > MAX_TEXT)
    return reject(`"text" is not a string of at most ${MAX_TEXT} characters`)
  const user = peerUser(v.user)
  if (user === null) return reject('"user" has no string "id"')
  return { id, text: v.text, user, created_at: safeTime(v.created_at) }
}

function reject(reason: string): null {
  drop('chat message', reason)
  return null
}

export interface Chat {
  /** Reloads the history and stores what is still unstored (after a resubscribe: events may have been missed). */
  reload(): Promise<void>
}

export function mountChat(root: HTMLElement, channel: RealtimeChannel, api: Api, user: User, room: string): Chat {
  const entries = new Map<string, Entry>()
  const written = new WrittenMessages(user.id)
  /** Ids of my relayed messages not yet stored through REST (stored again on 'online' and after a resubscribe). */
  const unstored = new Set<string>()
  const list = h('ol', {
    class: 'messages',
    'aria-live': 'polite',
    'aria-label': 'Messages',
    'data-testid': 'messages',
  })
  const empty = h('p', { class: 'muted empty' }, 'No messages yet. Say hello!')
  const error = h('p', { class: 'form-error', role: 'alert' })
  const input = h('input', {
    id: 'chat-input',
    type: 'text',
    maxlength: 2000,
    autocomplete: 'off',
    placeholder: 'Write a message…',
    'aria-label': 'Message',
    'data-testid': 'chat-input',
  })
  const send = h('button', { type: 'submit', class: 'primary', 'data-testid': 'chat-send' }, 'Send')
  const form = h('form', { class: 'composer', 'aria-label': 'Send a message' }, input, send)
  root.replaceChildren(h('h2', {}, `# ${room}`), error, empty, list, form)

  const nearBottom = (): boolean => list.scrollHeight - list.scrollTop - list.clientHeight < 80

  function render(entry: Entry): void {
    const { message, state } = entry
    const mine = entry.own
    const meta = h(
      'div',
      { class: 'meta' },
      h('strong', {}, message.user_name),
      h('time', { datetime: message.created_at }, formatTime(message.created_at)),
    )
    const body = h('div', { class: 'bubble' }, meta, h('p', { class: 'text' }, message.text))
    if (mine && state !== 'received') {
      const status = h('div', { class: 'state' }, STATE_LABEL[state])
      if (state === 'failed') {
        const retry = h(
          'button',
          { type: 'button', class: 'link', 'aria-label': 'Retry sending this message', 'data-testid': 'retry' },
          'Retry',
        )
        retry.addEventListener('click', () => void deliver(entry))
        status.append(' · ', retry)
      }
      body.append(status)
    }
    entry.el.className = `message${mine ? ' mine' : ''}`
    entry.el.dataset.state = state
    entry.el.replaceChildren(avatar(message.user_name, message.color, 'sm'), body)
  }

  function add(message: ChatMessage, state: MessageState, own: boolean): Entry {
    const existing = entries.get(message.id)
    if (existing) return existing // dedupe by id: history, echoes and retries
    const stick = nearBottom()
    const entry: Entry = { message, state, own, el: h('li', { 'data-testid': 'message', 'data-id': message.id }) }
    entries.set(message.id, entry)
    render(entry)
    insertSorted(entry)
    empty.hidden = true
    if (stick || state === 'sending') list.scrollTop = list.scrollHeight
    return entry
  }

  function insertSorted(entry: Entry): void {
    const after = [...entries.values()].filter(
      (e) => e !== entry && e.el.isConnected && e.message.created_at > entry.message.created_at,
    )
    const next = after.toSorted((a, b) => a.message.created_at.localeCompare(b.message.created_at))[0]
    if (next) list.insertBefore(entry.el, next.el)
    else list.append(entry.el)
  }

  async function deliver(entry: Entry): Promise<void> {
    entry.state = 'sending'
    render(entry)
    const { id, text } = entry.message
    const payload: WireMessage = { id, text, user, created_at: entry.message.created_at }
    let result: unknown
    try {
      result = await channel.send({ type: 'broadcast', event: 'message', payload }, { durable: true })
    } catch (err) {
      result = errorMessage(err)
    }
    if (entry.state !== 'sending') return // the echo came first
    if (result === 'ok') relayed(entry)
    else setState(entry, result === 'timed out' ? 'queued' : 'failed')
  }

  function setState(entry: Entry, state: MessageState): void {
    entry.state = state
    render(entry)
  }

  /** The server has the message: mark it sent and keep it in the history (Postgres). */
  function relayed(entry: Entry): void {
    if (entry.state !== 'sent') setState(entry, 'sent')
    unstored.add(entry.message.id)
    void store(entry)
  }

  async function store(entry: Entry): Promise<void> {
    const mine = written.get(entry.message.id)
    if (!mine) return void unstored.delete(entry.message.id) // not written by this browser: never stored by it
    if (mine.stored) return void unstored.delete(entry.message.id) // another tab of this browser stored it
    try {
      const stored = await api.postMessage(room, entry.message.id, mine.text)
      unstored.delete(entry.message.id)
      written.markStored(entry.message.id)
      if (stored.created_at) entry.message = { ...entry.message, created_at: stored.created_at }
    } catch {
      // offline, or the server is away: stored again on 'online' and after a resubscribe
    }
  }
  function storeUnstored(): void {
    for (const id of unstored) {
      const entry = entries.get(id)
      if (entry) void store(entry)
    }
  }
  window.addEventListener('online', storeUnstored)

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const text = input.value.trim()
    if (!text) return
    input.value = ''
    const message: ChatMessage = {
      id: randomUuid(), // not crypto.randomUUID: it is missing on an http:// LAN origin
      room,
      user_id: user.id,
      user_name: user.name,
      color: user.color,
      text,
      created_at: new Date().toISOString(),
    }
    written.add(message.id, { text, created_at: message.created_at, stored: false })
    void deliver(add(message, 'sending', true))
  })

  channel.on('broadcast', { event: 'message' }, (event: { payload?: unknown }) => {
    const p = wireMessage(event.payload)
    if (!p) return
    // mine only if this browser wrote it: a broadcast can claim any user id, this guest's included
    const mine = written.get(p.id)
    const known = entries.get(p.id)
    if (known) {
      // our own message relayed by the server (its echo): delivered, even if the answer to
      // the push was lost or came from an earlier page (a durable send survives a reload)
      if (mine && known.own && known.state !== 'sent' && known.state !== 'received') relayed(known)
      return
    }
    const entry = add(
      mine
        ? {
            id: p.id,
            room,
            user_id: user.id,
            user_name: user.name,
            color: user.color,
            text: mine.text,
            created_at: mine.created_at,
          }
        : {
            id: p.id,
            room,
            user_id: p.user.id,
            user_name: p.user.name,
            color: p.user.color,
            text: p.text,
            created_at: safeTime(p.created_at),
          },
      mine ? 'sent' : 'received',
      mine !== undefined,
    )
    if (mine) relayed(entry)
  })

  async function reload(): Promise<void> {
    storeUnstored()
    try {
      const history = await api.messages(room, 50)
      for (const message of history) {
        // stored under this guest's token: theirs (the server sets user_id from the token's sub)
        const own = message.user_id === user.id
        if (!entries.has(message.id)) add(message, own ? 'sent' : 'received', own)
      }
      error.textContent = ''
      list.scrollTop = list.scrollHeight
    } catch (err) {
      error.textContent = `Could not load the history: ${errorMessage(err)}`
    }
  }
  void reload()
  return { reload }
}
