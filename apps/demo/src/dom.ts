// Tiny DOM helpers: an element builder and the colour avatar (initials).
import { safeColor } from './peer.ts'

type Attrs = Record<string, string | number | boolean | undefined>

/** Creates `<tag>` with attributes (`class`, `data-*`, `aria-*`, …) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  el.append(...children)
  return el
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean)
  const letters =
    parts.length > 1 ? `${parts[0]?.[0] ?? ''}${parts[parts.length - 1]?.[0] ?? ''}` : name.trim().slice(0, 2)
  return letters.toUpperCase() || '?'
}

/** A round avatar with the user's initials on their colour (only a `#rrggbb` one: it goes into CSS). */
export function avatar(name: string, color: string, size: 'sm' | 'md' = 'md'): HTMLSpanElement {
  const el = h('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true', title: name }, initials(name))
  el.style.background = safeColor(color)
  return el
}

export function formatTime(iso: string): string {
  const date = new Date(iso)
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
