// Sign-in as a named guest. Only the chosen name is remembered (localStorage), so a reload
// signs in again through /demo/guest; the token stays in memory and is never stored.
import { signInGuest, type User } from './api.ts'
import { errorMessage, h } from './dom.ts'

const NAME_KEY = 'shared-realtime-demo:name'

export interface Session {
  token: string
  user: User
}

function storedName(): string | null {
  try {
    return localStorage.getItem(NAME_KEY)
  } catch {
    return null
  }
}

function rememberName(name: string | null): void {
  try {
    if (name === null) localStorage.removeItem(NAME_KEY)
    else localStorage.setItem(NAME_KEY, name)
  } catch {
    // storage unavailable (private mode): the form shows again after a reload
  }
}

export function signOut(): void {
  rememberName(null)
  location.reload()
}

/** Resolves with a session: at once from the remembered name, else once the form is submitted. */
export async function signIn(root: HTMLElement): Promise<Session> {
  const remembered = storedName()
  if (remembered) {
    try {
      return await signInGuest(remembered)
    } catch (error) {
      return showForm(root, remembered, `Could not sign in again: ${errorMessage(error)}`)
    }
  }
  return showForm(root, '', '')
}

function showForm(root: HTMLElement, name: string, error: string): Promise<Session> {
  const input = h('input', { id: 'guest-name', name: 'name', type: 'text', required: true, maxlength: 40, autocomplete: 'nickname', placeholder: 'e.g. Ada Lovelace', 'data-testid': 'name-input' })
  input.value = name
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, 'Join as guest')
  const status = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'sign-in-error' }, error)
  const form = h('form', { class: 'signin card', 'aria-labelledby': 'signin-title' },
    h('h2', { id: 'signin-title' }, 'Join the lobby'),
    h('p', { class: 'muted' }, 'Pick a name. Open this page in several tabs or windows: they all share one WebSocket.'),
    h('label', { for: 'guest-name' }, 'Your name'),
    input,
    button,
    status,
  )
  root.replaceChildren(form)
  input.focus()
  return new Promise((resolve) => {
    form.addEventListener('submit', (event) => {
      event.preventDefault()
      const chosen = input.value.trim()
      if (!chosen) return
      button.disabled = true
      status.textContent = ''
      signInGuest(chosen).then(
        (session) => {
          rememberName(chosen)
          resolve(session)
        },
        (err: unknown) => {
          status.textContent = `Sign-in failed: ${errorMessage(err)}`
          button.disabled = false
        },
      )
    })
  })
}
