// The connection banner: connecting / reconnecting in N s (attempt k) / offline / failed;
// hidden while connected.
import type { ConnectionStatus, RealtimeClient } from '@shared-realtime/client'
import { h } from './dom.ts'

export function mountBanner(root: HTMLElement, client: RealtimeClient): void {
  const el = h('div', { class: 'banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'banner' })
  el.hidden = true
  root.append(el)
  let status: ConnectionStatus = { type: 'connection', state: 'connecting' }
  let retryAt = 0

  function render(): void {
    let text = ''
    let kind = 'info'
    if (!navigator.onLine) {
      text = 'You are offline. Waiting for the network…'
      kind = 'warn'
    } else if (status.state === 'connecting') {
      text = 'Connecting…'
    } else if (status.state === 'reconnecting') {
      const seconds = Math.max(0, Math.ceil((retryAt - Date.now()) / 1000))
      text = `Connection lost. Reconnecting in ${seconds} s (attempt ${status.attempt ?? 1})`
      if (status.error?.message) text += ` — ${status.error.message}`
      kind = 'warn'
    } else if (status.state === 'failed') {
      text = `Connection failed: ${status.error?.message ?? status.error?.kind ?? 'unknown reason'}`
      kind = 'error'
    } else if (status.state === 'disconnected') {
      text = 'Disconnected.'
    }
    el.hidden = text === ''
    el.dataset.state = navigator.onLine ? status.state : 'offline'
    el.className = `banner banner-${kind}`
    el.textContent = text
  }

  // called at once with the current state: the banner is mounted after sign-in, when the client has long learnt it
  // (a reloaded tab attaches to a worker whose socket is up: it must not say "Connecting…" until the next change)
  client.onStatusChange((next) => {
    status = next
    retryAt = Date.now() + (next.retryInMs ?? 0)
    render()
  })
  window.addEventListener('online', render)
  window.addEventListener('offline', render)
  setInterval(() => {
    if (status.state === 'reconnecting') render()
  }, 500)
  render()
}
