// Sign-in as a named guest. The guest's name, id and secret are remembered (localStorage), so
// every tab and every reload signs in again through /demo/guest as the SAME guest: one person
// in presence, their own messages marked as theirs. Guest ids are public (presence keys,
// messages), so /demo/guest gives a token for an id only with the secret it gave with it: the
// secret is this demo's password of the guest, kept like the name; the token stays in memory,
// never stored (decision 72).
import { ApiError, signInGuest, type User } from './api.ts'
import { errorMessage, h } from './dom.ts'
import { forgetWritten } from './written.ts'

const GUEST_KEY = 'shared-realtime-demo:guest'

interface Remembered {
  name: string
  /** The guest's id and secret, as /demo/guest gave them. */
  guest?: { id: string; secret: string }
}

export interface Session {
  token: string
  /** Signs this guest in again (with its id): kept by the browser, sent only to /demo/guest. */
  secret: string
  user: User
}

function remembered(): Remembered | null {
  try {
    const value = JSON.parse(localStorage.getItem(GUEST_KEY) ?? 'null') as {
      name?: unknown
      id?: unknown
      secret?: unknown
    } | null
    if (typeof value?.name !== 'string' || !value.name) return null
    // an id without a secret (kept before secrets existed) signs in no more: a new guest of the same name
    return typeof value.id === 'string' && typeof value.secret === 'string'
      ? { name: value.name, guest: { id: value.id, secret: value.secret } }
      : { name: value.name }
  } catch {
    return null // unreadable (private mode, or not ours): sign in afresh
  }
}

function remember(guest: Remembered | null): void {
  try {
    if (guest === null) localStorage.removeItem(GUEST_KEY)
    else
      localStorage.setItem(
        GUEST_KEY,
        JSON.stringify(guest.guest ? { name: guest.name, ...guest.guest } : { name: guest.name }),
      )
  } catch {
    // storage unavailable (private mode): the form shows again after a reload
  }
}

/** Forgets the guest: the next sign-in, even with the same name, is a new person. */
export function signOut(): void {
  remember(null)
  forgetWritten()
  location.reload()
}

/** Resolves with a session: at once from the remembered name, else once the form is submitted. */
export async function signIn(root: HTMLElement): Promise<Session> {
  const kept = remembered()
  if (kept) {
    try {
      const session = await signInGuest(kept.name, kept.guest)
      remember(rememberable(session))
      return session
    } catch (error) {
      // refused (403: not this guest's secret, e.g. the server's JWT secret changed): the next sign-in is a new guest
      if (error instanceof ApiError && error.status === 403) remember({ name: kept.name })
      return showForm(root, kept.name, `Could not sign in again: ${errorMessage(error)}`)
    }
  }
  return showForm(root, '', '')
}

function rememberable(session: Session): Remembered {
  return { name: session.user.name, guest: { id: session.user.id, secret: session.secret } }
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
          remember(rememberable(session))
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
