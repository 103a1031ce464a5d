// The dev server's demo REST routes (base: VITE_REALTIME_HTTP_URL). The token lives only in
// memory here: it is never written to any storage (the guest's secret is, by auth.ts).
import { httpUrl } from './config.ts'

export interface User {
  id: string
  name: string
  color: string
}

export interface ChatMessage {
  id: string
  room: string
  user_id: string
  user_name: string
  color: string
  text: string
  created_at: string
}

export interface Todo {
  id: number | string
  list_id: number | string
  title: string
  done: boolean
  created_at: string
}

export class ApiError extends Error {
  override readonly name = 'ApiError'
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

const base = httpUrl

async function request<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token !== null) headers.authorization = `Bearer ${token}`
  const init: RequestInit = { method, headers }
  if (body !== undefined) init.body = JSON.stringify(body)
  const response = await fetch(`${base}${path}`, init)
  if (!response.ok) {
    const text = await response.text().catch(() => '')
    throw new ApiError(response.status, `${method} ${path}: ${response.status} ${text.slice(0, 200)}`.trim())
  }
  if (response.status === 204) return undefined as T
  return (await response.json()) as T
}

/**
 * A token for guest `name`, and the guest's secret; `guest` (the id and secret this browser kept) makes it the same
 * guest as before (403 when the secret is not that id's).
 */
export async function signInGuest(
  name: string,
  guest?: { id: string; secret: string },
): Promise<{ token: string; secret: string; user: User }> {
  return request('POST', '/demo/guest', null, guest === undefined ? { name } : { name, ...guest })
}

/** The REST routes that need the guest's token. */
export class Api {
  readonly #token: string
  constructor(token: string) {
    this.#token = token
  }

  async messages(room: string, limit = 50): Promise<ChatMessage[]> {
    const res = await request<{ messages: ChatMessage[] }>(
      'GET',
      `/demo/rooms/${encodeURIComponent(room)}/messages?limit=${limit}`,
      this.#token,
    )
    return res.messages
  }

  async postMessage(room: string, id: string, text: string): Promise<ChatMessage> {
    const res = await request<{ message: ChatMessage }>(
      'POST',
      `/demo/rooms/${encodeURIComponent(room)}/messages`,
      this.#token,
      { id, text },
    )
    return res.message
  }

  async todos(list: string): Promise<Todo[]> {
    const res = await request<{ todos: Todo[] }>('GET', `/demo/lists/${encodeURIComponent(list)}/todos`, this.#token)
    return res.todos
  }

  async addTodo(list: string, title: string): Promise<Todo> {
    const res = await request<{ todo: Todo }>('POST', `/demo/lists/${encodeURIComponent(list)}/todos`, this.#token, {
      title,
    })
    return res.todo
  }

  async updateTodo(id: number | string, patch: { done?: boolean; title?: string }): Promise<Todo> {
    const res = await request<{ todo: Todo }>(
      'PATCH',
      `/demo/todos/${encodeURIComponent(String(id))}`,
      this.#token,
      patch,
    )
    return res.todo
  }

  async deleteTodo(id: number | string): Promise<void> {
    await request<undefined>('DELETE', `/demo/todos/${encodeURIComponent(String(id))}`, this.#token)
  }
}
