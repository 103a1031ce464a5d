// A Postgres-backed todo list: items and writes through REST, live updates through
// postgres_changes on `todos:<list>` (one channel at a time; resubscribed when the list changes).
// Rows are anyone's writes: a change is used only if its fields have the table's types.
import type { RealtimeChannel, RealtimeClient } from '@shared-realtime/client'
import type { Api, Todo } from './api.ts'
import { errorMessage, h } from './dom.ts'
import { drop } from './peer.ts'

const LISTS = ['1', '2'] as const

interface Change {
  eventType?: string
  new?: unknown
  old?: unknown
}

const isKey = (value: unknown): value is number | string =>
  (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length > 0)

function isTodo(value: unknown): value is Todo {
  const v = value as Partial<Record<keyof Todo, unknown>> | null
  return (
    typeof v === 'object' &&
    v !== null &&
    isKey(v.id) &&
    isKey(v.list_id) &&
    typeof v.title === 'string' &&
    typeof v.done === 'boolean' &&
    typeof v.created_at === 'string'
  )
}

export function mountTodos(root: HTMLElement, client: RealtimeClient, api: Api): void {
  const todos = new Map<string, Todo>()
  let list: string = LISTS[0]
  let channel: RealtimeChannel | null = null
  let switching: Promise<void> = Promise.resolve()

  const select = h(
    'select',
    { id: 'todo-list', 'data-testid': 'todo-list-select' },
    ...LISTS.map((n) => h('option', { value: n }, `List ${n}`)),
  )
  const items = h('ul', { class: 'todos', 'aria-label': 'Todos', 'data-testid': 'todos' })
  const error = h('p', { class: 'form-error', role: 'alert' })
  const live = h('span', { class: 'pill', 'data-testid': 'todos-status' }, 'connecting')
  const input = h('input', {
    id: 'todo-title',
    type: 'text',
    maxlength: 200,
    autocomplete: 'off',
    placeholder: 'New todo',
    'aria-label': 'New todo title',
    'data-testid': 'todo-input',
  })
  const form = h(
    'form',
    { class: 'composer small', 'aria-label': 'Add a todo' },
    input,
    h('button', { type: 'submit', 'data-testid': 'todo-add' }, 'Add'),
  )
  root.replaceChildren(
    h('h2', {}, 'Todos ', live),
    h('div', { class: 'row' }, h('label', { for: 'todo-list' }, 'List'), select),
    error,
    items,
    form,
  )

  function render(): void {
    const sorted = [...todos.values()].toSorted(
      (a, b) => a.created_at.localeCompare(b.created_at) || Number(a.id) - Number(b.id),
    )
    items.replaceChildren(...sorted.map(item))
    if (sorted.length === 0) items.append(h('li', { class: 'muted empty' }, 'Nothing to do.'))
  }

  function item(todo: Todo): HTMLElement {
    const id = `todo-${todo.id}`
    const box = h('input', { type: 'checkbox', id, checked: todo.done, 'data-testid': 'todo-toggle' })
    box.addEventListener('change', () => void act(() => api.updateTodo(todo.id, { done: box.checked }).then(put)))
    const remove = h(
      'button',
      { type: 'button', class: 'icon', 'aria-label': `Delete “${todo.title}”`, 'data-testid': 'todo-delete' },
      '×',
    )
    remove.addEventListener('click', () => void act(() => api.deleteTodo(todo.id).then(() => forget(todo.id))))
    return h(
      'li',
      {
        class: `todo${todo.done ? ' done' : ''}`,
        'data-testid': 'todo',
        'data-id': String(todo.id),
        'data-done': String(todo.done),
      },
      box,
      h('label', { for: id }, todo.title),
      remove,
    )
  }

  function put(todo: Todo): void {
    if (String(todo.list_id) !== list) return
    todos.set(String(todo.id), todo)
    render()
  }

  function forget(id: number | string): void {
    if (todos.delete(String(id))) render()
  }

  async function act(run: () => Promise<void>): Promise<void> {
    try {
      await run()
      error.textContent = ''
    } catch (err) {
      error.textContent = errorMessage(err)
      render() // undo an optimistic checkbox
    }
  }

  async function load(): Promise<void> {
    const target = list
    try {
      const rows = await api.todos(target)
      if (target !== list) return
      todos.clear()
      for (const todo of rows) todos.set(String(todo.id), todo)
      error.textContent = ''
      render()
    } catch (err) {
      error.textContent = `Could not load the todos: ${errorMessage(err)}`
    }
  }

  async function subscribe(n: string): Promise<void> {
    if (channel) await client.removeChannel(channel)
    live.textContent = 'connecting'
    const next = client.channel(`todos:${n}`)
    channel = next
    next
      .on(
        'postgres_changes',
        { event: '*', schema: 'public', table: 'demo_todos', filter: `list_id=eq.${n}` },
        (change: Change) => {
          if (change.eventType === 'DELETE') {
            const id = (change.old as { id?: unknown } | undefined)?.id
            if (isKey(id)) forget(id)
          } else if (isTodo(change.new)) {
            put(change.new)
          } else if (change.new !== undefined) {
            drop('todo change', 'a row without the types of demo_todos')
          }
        },
      )
      .on('system', {}, (payload: { message?: string }) => {
        if (payload.message === 'resubscribed' || payload.message === 'gap') void load()
      })
      .subscribe((status) => {
        if (channel === next)
          live.textContent = status === 'SUBSCRIBED' ? 'live' : status === 'CLOSED' ? 'closed' : 'reconnecting…'
      })
    await load()
  }

  select.addEventListener('change', () => {
    list = select.value
    todos.clear()
    render()
    switching = switching
      .then(() => subscribe(list))
      .catch((err: unknown) => {
        error.textContent = errorMessage(err)
      })
  })

  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const title = input.value.trim()
    if (!title) return
    input.value = ''
    void act(() => api.addTodo(list, title).then(put))
  })

  switching = subscribe(list)
}
