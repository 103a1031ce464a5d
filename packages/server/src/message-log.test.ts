// The in-memory store of private broadcasts for replay: bounded per topic, in bytes and in age (issue #16).
import { describe, expect, test } from 'vitest'
import { MessageLog } from './message-log.ts'

function clock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}
const stored = (log: MessageLog, key: string) => log.since(key, 0, 1000).map((m) => m.payload)

describe('MessageLog', () => {
  test('keeps the newest `perTopic` messages of each topic', () => {
    const { now } = clock()
    const log = new MessageLog(now, { perTopic: 2 })
    for (const i of [1, 2, 3]) log.store('a', { event: 'e', payload: i, binary: false })
    log.store('b', { event: 'e', payload: 9, binary: false })
    expect(stored(log, 'a')).toEqual([2, 3])
    expect(stored(log, 'b')).toEqual([9])
    expect(log.size).toBe(3)
  })

  test('drops the oldest messages, whatever their topic, to stay under maxBytes', () => {
    const { now } = clock()
    const big = 'x'.repeat(1000)
    const log = new MessageLog(now, { maxBytes: 2500 })
    log.store('a', { event: 'e', payload: big, binary: false })
    log.store('b', { event: 'e', payload: big, binary: false })
    expect(log.size).toBe(2)
    log.store('c', { event: 'e', payload: big, binary: false })
    expect(stored(log, 'a')).toEqual([])
    expect(stored(log, 'b')).toHaveLength(1)
    expect(stored(log, 'c')).toHaveLength(1)
    expect(log.bytes).toBeLessThanOrEqual(2500)
    // binary payloads count their bytes
    log.store('d', { event: 'e', payload: new Uint8Array(2400), binary: true })
    expect([stored(log, 'b'), stored(log, 'c')]).toEqual([[], []])
    expect(log.size).toBe(1)
  })

  test('drops messages older than maxAgeMs', () => {
    const { now, advance } = clock()
    const log = new MessageLog(now, { maxAgeMs: 10_000 })
    log.store('a', { event: 'e', payload: 1, binary: false })
    advance(6_000)
    log.store('a', { event: 'e', payload: 2, binary: false })
    advance(5_000)
    expect(stored(log, 'a')).toEqual([2])
    advance(5_000) // 10 000 ms old: kept
    expect(stored(log, 'a')).toEqual([2])
    advance(1)
    expect(stored(log, 'a')).toEqual([])
    expect([log.size, log.bytes]).toEqual([0, 0])
  })
})
