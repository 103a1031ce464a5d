// Runs in the worker. A guard between a port and Comlink's `expose` (DESIGN.md rule 13).
// Comlink would let a port GET, SET or CONSTRUCT anything reachable from the exposed object,
// and it throws outside its own try/catch on a malformed message (the caller then waits
// forever). The guard passes on only `APPLY` of a command of the COMMANDS table with plain
// (RAW) arguments, a proxied function where the table names a `provider` argument, and
// `RELEASE`; anything else with an id gets Comlink's error reply at once, carrying
// `kind: 'bad-request'` and the worker's instance id.

import type { Endpoint } from 'comlink'
import { isRecord } from '@shared-realtime/protocol'
import { type Command, COMMANDS } from '../protocol.ts'

function checkWireValue(command: Command, value: unknown, index: number): string | null {
  if (!isRecord(value)) return `argument ${index} is not a Comlink wire value`
  if (value.type === 'RAW' && 'value' in value) return null
  const isPort = typeof MessagePort !== 'undefined' && value.value instanceof MessagePort
  const callback = (COMMANDS[command].args as readonly string[])[index] === 'provider'
  if (value.type === 'HANDLER' && value.name === 'proxy' && isPort && callback) return null
  return `argument ${index} of ${command} must be plain data${callback ? ' or a proxied function' : ''}`
}

/** Why a Comlink message is refused, or null when it may pass. */
export function checkComlinkMessage(data: unknown): string | null {
  if (!isRecord(data)) return 'a command must be a Comlink message object'
  const path = data.path
  if (data.type === 'RELEASE') {
    // Comlink maps argumentList before it looks at the type, outside its try/catch
    const args = data.argumentList
    const bare = args === undefined || (Array.isArray(args) && args.length === 0)
    return Array.isArray(path) && path.length === 0 && bare ? null : 'RELEASE takes no path and no arguments'
  }
  if (data.type !== 'APPLY') return `only command calls are accepted, got ${String(data.type)}`
  if (!Array.isArray(path) || path.length !== 1 || typeof path[0] !== 'string' || !Object.hasOwn(COMMANDS, path[0])) {
    return `unknown command ${JSON.stringify(Array.isArray(path) ? path.join('.') : path) ?? ''}`
  }
  const command = path[0] as Command
  const args = data.argumentList
  if (!Array.isArray(args) || args.length > 8)
    return `${command}: the argument list must be an array of at most 8 values`
  for (const [i, arg] of args.entries()) {
    const why = checkWireValue(command, arg, i)
    if (why) return why
  }
  return null
}

/** `endpoint`, seen through the guard. `instance` goes into error replies. */
export function guardEndpoint(endpoint: Endpoint, instance: string): Endpoint {
  const wrapped = new WeakMap<object, EventListener>()
  const refuse = (data: unknown, message: string): void => {
    const id = isRecord(data) ? data.id : undefined
    if (typeof id !== 'string') return // no caller waits for an answer
    const value = { isError: true, value: { name: 'RealtimeError', kind: 'bad-request', message, instance } }
    try {
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a MessagePort or worker, not a window
      endpoint.postMessage({ id, type: 'HANDLER', name: 'throw', value })
    } catch {
      // the port is gone: nobody to answer
    }
  }
  return {
    postMessage: (message: unknown, transfer?: Transferable[]) => endpoint.postMessage(message, transfer),
    addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object) {
      if (type !== 'message') return endpoint.addEventListener(type, listener, options)
      const guarded = (event: Event): void => {
        const data: unknown = (event as MessageEvent).data
        const why = checkComlinkMessage(data)
        if (why !== null) return refuse(data, why)
        if (typeof listener === 'function') listener(event)
        else listener.handleEvent(event)
      }
      wrapped.set(listener, guarded)
      endpoint.addEventListener(type, guarded, options)
    },
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: object) {
      endpoint.removeEventListener(type, wrapped.get(listener) ?? listener, options)
    },
    start: () => endpoint.start?.(),
  }
}
