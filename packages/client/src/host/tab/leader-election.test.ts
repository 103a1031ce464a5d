// The lease election (no Web Locks: plain-http origins) on a TestClock, over a fake BroadcastChannel: every other
// member hears a message LATENCY ms after it is posted; a partitioned member is a frozen or crashed tab (nothing it
// posts arrives, it hears nothing). Bounds from LEASE (decision 78).

import { TestClock } from '@shared-realtime/engine'
import { describe, expect, test } from 'vitest'
import { LEASE, LeaseElection, type LeaseBus, type LeaseMessage, readLeaseMessage } from './leader-election.ts'

const LATENCY = 5

class Hub {
  readonly clock = new TestClock()
  readonly #members = new Map<string, { receive: (data: unknown) => void; connected: boolean }>()
  readonly log: Array<{ from: string } & LeaseMessage> = []

  bus(tab: string): LeaseBus {
    return {
      post: (message) => this.post(tab, message),
      listen: (receive) => {
        this.#members.set(tab, { receive, connected: true })
        return () => this.#members.delete(tab)
      },
    }
  }

  post(from: string, message: unknown): void {
    if (this.#members.get(from)?.connected === false) return
    if (readLeaseMessage(message)) this.log.push({ from, ...(message as LeaseMessage) })
    for (const [tab, member] of this.#members) {
      if (tab === from) continue
      this.clock.setTimeout(
        () => member.connected && this.#members.get(tab) === member && member.receive(message),
        LATENCY,
      )
    }
  }

  partition(tab: string, cut: boolean): void {
    const member = this.#members.get(tab)
    if (member) member.connected = !cut
  }
}

interface Tab {
  readonly id: string
  readonly election: LeaseElection
  readonly events: string[]
}

function join(hub: Hub, id: string): Tab {
  const election = new LeaseElection(hub.bus(id), id, hub.clock)
  const events: string[] = []
  election.start({ elected: () => events.push(`elected@${hub.clock.now()}`), deposed: () => events.push('deposed') })
  return { id, election, events }
}

const leaders = (tabs: Tab[]) => tabs.filter((t) => t.election.state === 'leader').map((t) => t.id)

describe('LeaseElection', () => {
  test('a tab alone leads after the query wait and its claim window (2 × claimMs)', () => {
    const hub = new Hub()
    const a = join(hub, 'a')
    hub.clock.advance(2 * LEASE.claimMs - 1)
    expect(a.election.state).toBe('candidate')
    hub.clock.advance(1)
    expect([a.election.state, a.events.length]).toEqual(['leader', 1])
  })

  test('a tab that comes later follows the leader and never claims while it beats', () => {
    const hub = new Hub()
    const a = join(hub, 'a')
    hub.clock.advance(1000)
    const b = join(hub, 'b')
    hub.clock.advance(60_000)
    expect(leaders([a, b])).toEqual(['a'])
    expect([a.events.length, b.events]).toEqual([1, []])
    expect(hub.log.filter((m) => m.type === 'claim').map((m) => m.from)).toEqual(['a'])
  })

  test('tabs that start together elect exactly one (equal terms: the smallest id)', () => {
    const hub = new Hub()
    const tabs = ['c', 'a', 'b'].map((id) => join(hub, id))
    hub.clock.advance(2 * LEASE.claimMs + LATENCY)
    expect(leaders(tabs)).toEqual(['a'])
    hub.clock.advance(30_000)
    expect(leaders(tabs)).toEqual(['a'])
    expect(tabs.map((t) => t.events)).toEqual([[], [expect.stringMatching(/^elected@/)], []])
  })

  test('a leader that crashes is replaced within leaseMs + heartbeatMs + claimMs of its last lease', () => {
    const hub = new Hub()
    const tabs = ['a', 'b', 'c'].map((id) => join(hub, id))
    hub.clock.advance(3000)
    const lastLease = hub.log.filter((m) => m.from === 'a' && m.type === 'lease').at(-1)
    expect(lastLease).toBeDefined()
    const crashedAt = hub.clock.now()
    hub.partition('a', true)
    hub.clock.advance(LEASE.leaseMs - LEASE.heartbeatMs)
    expect(leaders(tabs)).toEqual(['a']) // (a itself does not know)
    hub.clock.advance(LEASE.heartbeatMs + LEASE.heartbeatMs + LEASE.claimMs + LATENCY)
    const next = tabs.filter((t) => t.id !== 'a' && t.election.state === 'leader')
    expect(next.map((t) => t.id)).toEqual(['b'])
    const electedAt = Number(next[0]?.events[0]?.split('@')[1])
    expect(electedAt - crashedAt).toBeLessThanOrEqual(LEASE.leaseMs + LEASE.heartbeatMs + LEASE.claimMs + LATENCY)
    expect(electedAt - crashedAt).toBeGreaterThanOrEqual(LEASE.leaseMs - LEASE.heartbeatMs)
  })

  test('a leader that closes resigns: the next one leads within claimMs', () => {
    const hub = new Hub()
    const tabs = ['a', 'b', 'c'].map((id) => join(hub, id))
    hub.clock.advance(3000)
    const [a] = tabs as [Tab]
    a.election.stop()
    const resignedAt = hub.clock.now()
    hub.clock.advance(LATENCY + LEASE.claimMs + LATENCY)
    expect(leaders(tabs)).toEqual(['b'])
    expect(Number(tabs[1]?.events[0]?.split('@')[1]) - resignedAt).toBeLessThanOrEqual(LATENCY + LEASE.claimMs)
  })

  test('a frozen leader that resumes steps down at the first lease it hears of the new term', () => {
    const hub = new Hub()
    const tabs = ['a', 'b'].map((id) => join(hub, id))
    const [a, b] = tabs as [Tab, Tab]
    hub.clock.advance(3000)
    hub.partition('a', true)
    hub.clock.advance(10_000)
    expect(leaders(tabs)).toEqual(['a', 'b']) // a, frozen, does not know yet
    expect(b.election.term).toBeGreaterThan(a.election.term)
    hub.partition('a', false)
    hub.clock.advance(LEASE.heartbeatMs + LATENCY)
    expect(leaders(tabs)).toEqual(['b'])
    expect(a.events).toEqual([expect.stringMatching(/^elected@/), 'deposed'])
    hub.clock.advance(60_000)
    expect(leaders(tabs)).toEqual(['b'])
  })

  test('takeOver(): a follower that gets no answer claims the next term; the leader, when it hears it, follows', () => {
    const hub = new Hub()
    const tabs = ['a', 'b'].map((id) => join(hub, id))
    const [a, b] = tabs as [Tab, Tab]
    hub.clock.advance(3000)
    b.election.takeOver()
    hub.clock.advance(LEASE.claimMs + LATENCY)
    expect(leaders(tabs)).toEqual(['b'])
    expect(a.events.at(-1)).toBe('deposed')
    a.election.takeOver() // a leader's takeOver is a no-op, a follower's is a claim: b is the leader now
    hub.clock.advance(60_000)
    expect(leaders(tabs).length).toBe(1)
  })

  test('garbage and other apps’ messages are counted and dropped; a forged copy of a tab’s own id is ignored', () => {
    const hub = new Hub()
    const tabs = ['a', 'b'].map((id) => join(hub, id))
    const [a, b] = tabs as [Tab, Tab]
    hub.clock.advance(3000)
    for (const junk of [null, 42, 'x', { type: 'lease' }, { type: 'lease', tab: 'z', term: -1 }, { hello: 1 }])
      hub.post('mallory', junk)
    // a forged claim with b's own id: b ignores it; a, the leader, answers it with its lease
    hub.post('mallory', { type: 'claim', tab: 'b', term: 1 })
    hub.clock.advance(LATENCY)
    expect([a.election.dropped, b.election.dropped]).toEqual([6, 6])
    hub.clock.advance(30_000)
    expect(leaders(tabs).length).toBe(1)
    expect(readLeaseMessage({ type: 'lease', tab: 'x'.repeat(101), term: 1 })).toBeUndefined()
  })
})
