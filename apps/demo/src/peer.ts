// Fields from other users: broadcast payloads and presence metas are whatever another browser (or any
// WebSocket client with the anon key) chose to send, so each is type-checked before it reaches the DOM, and a
// colour is used only as `#rrggbb` (it goes into CSS, where `url(…)` would make every viewer fetch it).
// A payload that does not fit is dropped and counted, with one console warning per kind (decision 72).
import type { User } from './api.ts'

/** The colour of a user whose colour is missing or not `#rrggbb`. */
export const FALLBACK_COLOR = '#8792a2'
const HEX_COLOR = /^#[0-9a-f]{6}$/i
const MAX_ID = 100
const MAX_NAME = 40
export const MAX_TEXT = 2000

/** `value` if it is a `#rrggbb` colour, else the fallback grey. */
export function safeColor(value: unknown): string {
  return typeof value === 'string' && HEX_COLOR.test(value) ? value : FALLBACK_COLOR
}

/** A display name: a string, trimmed and cut to 40 characters; `fallback` for anything else or an empty one. */
export function safeName(value: unknown, fallback = 'anonymous'): string {
  if (typeof value !== 'string') return fallback
  const name = value.trim().slice(0, MAX_NAME)
  return name || fallback
}

/** An id: a non-empty string of at most 100 characters, else null. */
export function safeId(value: unknown): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID ? value : null
}

/** Another user as a broadcast names them: an id (required), a name and a colour (made safe), else null. */
export function peerUser(value: unknown): User | null {
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const id = safeId(v.id)
  if (id === null) return null
  return { id, name: safeName(v.name), color: safeColor(v.color) }
}

/** An ISO time given by another user, normalised; `now` when missing or not a date. */
export function safeTime(value: unknown): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN
  return new Date(Number.isNaN(ms) ? Date.now() : ms).toISOString()
}

/** Payloads from other users dropped so far, by kind. */
export const dropped = new Map<string, number>()

/** Counts a payload from another user that was dropped; the first of each kind is logged (console.warn). */
export function drop(kind: string, reason: string): void {
  const n = (dropped.get(kind) ?? 0) + 1
  dropped.set(kind, n)
  if (n === 1) console.warn(`demo: dropped a ${kind} from another user (${reason}); later ones are only counted`)
}
