// Small helpers for records keyed by untrusted strings (presence keys and meta keys
// chosen by other clients): null-prototype maps, own-property reads, and a deep copy
// of JSON data that keeps a `__proto__` key as plain data.

/** An empty record with no prototype, so any string is an ordinary key. */
export function emptyRecord<V>(): Record<string, V> {
  return Object.create(null) as Record<string, V>
}

/** The value of an own property, never one inherited from a prototype. */
export function ownValue<V>(record: Readonly<Record<string, V>>, key: string): V | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined
}

// in a module of its own: a tab needs it without the rest (decision 77)
export { isRecord } from '../is-record.ts'

/** Sets a key as an own data property (plain assignment to `__proto__` would set the prototype). */
export function defineKey(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true })
}

/**
 * A deep copy of JSON data: arrays and objects are copied (own enumerable string
 * keys, in order, into plain objects), anything else is returned as is.
 */
export function cloneJson<T>(value: T): T
export function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => cloneJson(item))
  if (typeof value !== 'object' || value === null) return value
  const copy = {}
  for (const [key, item] of Object.entries(value)) defineKey(copy, key, cloneJson(item))
  return copy
}
