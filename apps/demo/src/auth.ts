// Sign-in as a named guest. The guest's name and id are remembered (localStorage), so every
// tab and every reload signs in again through /demo/guest as the SAME guest: one person in
// presence, their own messages marked as theirs. The token stays in memory, never stored.
import { signInGuest, type User } from './api.ts'
import { errorMessage, h } from './dom.ts'

const GUEST_KEY = 'shared-realtime-demo:guest'

interface Remembered {
  name: string
  id?: string
}

export interface Session {
  token: string
  user: User
}

function remembered(): Remembered | null {
  try {
    const value = JSON.parse(localStorage.getItem(GUEST_KEY) ?? 'null') as Partial<Remembered> | null
    if (typeof value?.name !== 'string' || !value.name) return null
    return typeof value.id === 'string' ? { name: value.name, id: value.id } : { name: value.name }
  } catch {
    return null // unreadable (private mode, or not ours): sign in afresh
  }
}

function remember(guest: Remembered | null): void {
  try {
    if (guest === null) localStorage.removeItem(GUEST_KEY)
    else localStorage.setItem(GUEST_KEY, JSON.stringify(guest))
  } catch {
    // storage unavailable (private mode): the form shows again after a reload
  }
}

/** Forgets the guest: the next sign-in, even with the same name, is a new person. */
export function signOut(): void {
  remember(null)
  location.reload()
}

/** Resolves with a session: at once from the remembered name, else once the form is submitted. */
export async function signIn(root: HTMLElement): Promise<Session> {
  const guest = remembered()
  if (guest) {
    try {
      const session = await signInGuest(guest.name, guest.id)
      remember({ name: session.user.name, id: session.user.id })
      return session
    } catch (error) {
      return showForm(root, guest.name, `Could not sign in again: ${errorMessage(error)}`)
    }
  }
  return showForm(root, '', '')
}

function showForm(root: HTMLElement, name: string, error: string): Promise<Session> {
  const input = h('input', {
    id: 'guest-name',
    name: 'name',
    type: 'text',
    required: true,
    maxlength: 40,
    autocomplete: 'nickname',
    placeholder: 'e.g. Ada Lovelace',
    'data-testid': 'name-input',
  })
  input.value = name
  const button = h('button', { type: 'submit', class: 'primary', 'data-testid': 'sign-in' }, 'Join as guest')
  const status = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'sign-in-error' }, error)
  const form = h(
    'form',
    { class: 'signin card', 'aria-labelledby': 'signin-title' },
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
          remember({ name: session.user.name, id: session.user.id })
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
