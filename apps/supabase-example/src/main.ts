// A supabase-js app, written as for stock supabase-js: `createClient()`, then `supabase.channel()` with broadcast,
// presence and postgres_changes. Its build puts @shared-realtime/client where supabase-js imports
// @supabase/realtime-js (vite.config.ts; an app does it with package.json `overrides`, see the client's README), so
// every tab of the browser shares one socket. Nothing in this file knows.
//
// The page takes `?room=` (the channel, default `example`), `?list=` (the demo_todos list to watch, default 1) and
// `?name=` (shown in presence). Its presence key is one per browser (localStorage): tabs of one browser share one
// join, so they share one presence entry, and a channel has one key per user.
import { createClient, type RealtimeChannel } from '@supabase/supabase-js'

const query = new URLSearchParams(location.search)
const room = query.get('room') ?? 'example'
const list = Number(query.get('list') ?? '1')
const name = query.get('name') ?? 'guest'
if (!Number.isInteger(list))
  throw new Error(`?list= must be an integer (a demo_todos list_id), got "${query.get('list')}"`)

const supabase = createClient(import.meta.env.VITE_REALTIME_HTTP_URL, import.meta.env.VITE_REALTIME_ANON_KEY)

const KEY_ITEM = 'supabase-example:presence-key'
const presenceKey = localStorage.getItem(KEY_ITEM) ?? `browser-${crypto.getRandomValues(new Uint32Array(1))[0]}`
localStorage.setItem(KEY_ITEM, presenceKey)

const $ = (id: string) => document.getElementById(id)!
const item = (id: string, text: string) => {
  const li = document.createElement('li')
  li.textContent = text
  $(id).append(li)
}
$('topic').textContent = room
$('list').textContent = String(list)

const channel: RealtimeChannel = supabase
  .channel(room, { config: { presence: { key: presenceKey } } })
  .on('broadcast', { event: 'message' }, ({ payload }) => item('messages', `${payload.from}: ${payload.text}`))
  .on('presence', { event: 'sync' }, () => {
    const people = Object.entries(channel.presenceState<{ name: string }>()).map(
      ([key, metas]) => `${metas.at(-1)?.name ?? '?'} (${key === presenceKey ? 'this browser' : key})`,
    )
    $('people').replaceChildren(
      ...people.map((text) => Object.assign(document.createElement('li'), { textContent: text })),
    )
  })
  .on(
    'postgres_changes',
    { event: '*', schema: 'public', table: 'demo_todos', filter: `list_id=eq.${list}` },
    (change) => {
      const row = (change.eventType === 'DELETE' ? change.old : change.new) as { title?: string }
      item('changes', `${change.eventType} ${row.title ?? ''}`)
    },
  )
  .subscribe(async (status, error) => {
    $('status').textContent = error ? `${status}: ${error.message}` : status
    // this client reports its host; stock realtime-js has none (the page then shows "?")
    const realtime: object = supabase.realtime
    if ('host' in realtime) $('host').textContent = String(realtime.host)
    if (status === 'SUBSCRIBED') await channel.track({ name })
  })

$('send').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = $('text') as HTMLInputElement
  void channel.send({ type: 'broadcast', event: 'message', payload: { from: name, text: input.value } })
  item('messages', `${name} (me): ${input.value}`)
  input.value = ''
})
