// Placeholder for the demo app (issue #6): encodes a broadcast the way a client
// sends it and decodes it the way the server reads it, with the real protocol package.
import { createSerializer, type Message } from '@shared-realtime/protocol'

const message: Message = {
  join_ref: '1',
  ref: '2',
  topic: 'realtime:room1',
  event: 'broadcast',
  payload: { type: 'broadcast', event: 'cursor', payload: { x: 10, y: 20 } },
}

const wire = createSerializer('2.0.0').encode(message)
const bytes = typeof wire === 'string' ? new TextEncoder().encode(wire) : new Uint8Array(wire)
const decoded = createSerializer('2.0.0', { role: 'server' }).decode(wire)

document.querySelector('#frame')!.textContent = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ')
document.querySelector('#decoded')!.textContent = JSON.stringify(decoded, null, 2)
