import { parseJoinErrorReason, type ShutdownKind } from '@shared-realtime/protocol'
import { describe, expect, test } from 'vitest'
import { TestClock } from '../test-clock.ts'
import {
  type ChannelContext,
  type ChannelEffect,
  type ChannelError,
  type ChannelEvent,
  type ChannelResult,
  type ChannelState,
  type ChannelTimer,
  channelTimerEvent,
  type ErroredChannel,
  initialChannelState,
  type JoiningChannel,
  transitionChannel,
} from './channel.ts'
import { Driver } from './driver.ts'

const NOW = 1_800_000_000_000
const ctx = (over: Partial<ChannelContext> = {}): ChannelContext => ({
  now: NOW,
  ref: '9',
  ready: true,
  timeoutMs: 10_000,
  ...over,
})

const UNAUTHORIZED = 'Unauthorized: You do not have permissions to read from this Channel topic: room'
const RESTARTING = 'RealtimeRestarting: Realtime is restarting, please standby'
const JOIN_RATE = 'ClientJoinRateLimitReached: Too many joins per second'
const EXPIRED = 'InvalidJWTToken: Token has expired 3 seconds ago'
const refusal = (reason: string): ChannelError => ({ kind: 'refused', reason: parseJoinErrorReason(reason) })

const closed: ChannelState = { name: 'closed' }
const failed: ChannelState = { name: 'failed', error: refusal(UNAUTHORIZED) }
const joined = (joinRef = '1'): ChannelState => ({ name: 'joined', joinRef })
const joining = (over: Partial<JoiningChannel> = {}): ChannelState => ({
  name: 'joining',
  attempt: 1,
  joinRef: '1',
  joinedBefore: false,
  tokenRetried: false,
  ...over,
})
const leaving = (thenJoin = false): ChannelState => ({ name: 'leaving', joinRef: '1', ref: '2', thenJoin })
const errored = (over: Partial<ErroredChannel> = {}): ChannelState => ({
  name: 'errored',
  attempt: 1,
  retryAt: NOW + 1000,
  error: { kind: 'timeout' },
  joinedBefore: false,
  tokenRetried: false,
  ...over,
})

const sendJoin = (joinRef = '9'): ChannelEffect => ({ type: 'send-join', joinRef })
const sendLeave = (joinRef = '1', ref = '9'): ChannelEffect => ({ type: 'send-leave', joinRef, ref })
const start = (timer: ChannelTimer, ms: number): ChannelEffect => ({ type: 'start-timer', timer, ms })
const cancel = (timer: ChannelTimer): ChannelEffect => ({ type: 'cancel-timer', timer })
const emit = (status: 'SUBSCRIBED' | 'TIMED_OUT' | 'CLOSED' | 'CHANNEL_ERROR', error?: ChannelError): ChannelEffect =>
  error ? { type: 'emit', status, error } : { type: 'emit', status }
const JOINED: ChannelEffect = { type: 'joined' }
const LEFT: ChannelEffect = { type: 'left' }
const RESUBSCRIBED: ChannelEffect = { type: 'resubscribed' }
const REFRESH: ChannelEffect = { type: 'refresh-token' }
const joinNow = (joinRef = '9'): ChannelEffect[] => [sendJoin(joinRef), start('join-timeout', 10_000)]

const EVENTS: { [T in ChannelEvent['type']]: Extract<ChannelEvent, { type: T }> } = {
  subscribe: { type: 'subscribe' },
  unsubscribe: { type: 'unsubscribe' },
  ready: { type: 'ready' },
  'socket-down': { type: 'socket-down' },
  'join-ok': { type: 'join-ok', ref: '1' },
  'join-error': { type: 'join-error', ref: '1', reason: RESTARTING },
  'join-timeout': { type: 'join-timeout' },
  'retry-due': { type: 'retry-due' },
  'leave-ok': { type: 'leave-ok', ref: '2' },
  'leave-timeout': { type: 'leave-timeout' },
  'server-error': { type: 'server-error', joinRef: '1' },
  'server-close': {
    type: 'server-close',
    joinRef: '1',
    shutdown: 'token-expired',
    message: 'Token has expired 0 seconds ago',
  },
  rejoin: { type: 'rejoin' },
}
const all = (...except: Array<ChannelEvent['type']>): ChannelEvent[] =>
  Object.values(EVENTS).filter((e) => !except.includes(e.type))

/** Feeds events in order, each with its own context; returns every [state, effects]. */
function run(from: ChannelState, steps: Array<[ChannelEvent, Partial<ChannelContext>?]>): ChannelResult[] {
  const results: ChannelResult[] = []
  let state = from
  for (const [event, over] of steps) {
    const result = transitionChannel(state, event, ctx(over))
    results.push(result)
    state = result[0]
  }
  return results
}

describe('transitionChannel: no-ops', () => {
  const rows: Array<[string, ChannelState, ChannelEvent[]]> = [
    ['closed', closed, all('subscribe')],
    ['failed', failed, all('subscribe', 'unsubscribe')],
    ['joining(1, null)', joining({ joinRef: null }), all('ready', 'unsubscribe')],
    [
      'joining(1, "1")',
      joining(),
      [
        ...all('join-ok', 'join-error', 'join-timeout', 'socket-down', 'unsubscribe'),
        { type: 'join-ok', ref: '7' },
        { type: 'join-error', ref: '7', reason: UNAUTHORIZED },
      ],
    ],
    [
      'joined("1")',
      joined(),
      [
        ...all('socket-down', 'server-error', 'server-close', 'rejoin', 'unsubscribe'),
        { type: 'server-error', joinRef: '7' },
        { type: 'server-close', joinRef: '7', shutdown: 'other', message: 'x' },
      ],
    ],
    [
      'leaving(thenJoin false)',
      leaving(),
      [...all('subscribe', 'leave-ok', 'leave-timeout', 'socket-down'), { type: 'leave-ok', ref: '7' }],
    ],
    ['leaving(thenJoin true)', leaving(true), [EVENTS.subscribe]],
    ['errored(retryAt set)', errored(), all('retry-due', 'socket-down', 'unsubscribe')],
    ['errored(retryAt null)', errored({ retryAt: null }), all('ready', 'unsubscribe')],
  ]
  test.each(
    rows.flatMap(([label, state, events]) => events.map((event) => [label, event.type, state, event] as const)),
  )('%s ignores %s', (_label, _type, state, event) => {
    expect(transitionChannel(state, event, ctx())).toEqual([state, []])
  })
})

describe('subscribe', () => {
  test.each([
    ['closed', closed],
    ['failed', failed],
  ])('from %s sends the join when the socket is ready', (_, state) => {
    expect(transitionChannel(state, EVENTS.subscribe, ctx())).toEqual([joining({ joinRef: '9' }), joinNow()])
  })

  test('from closed waits for ready when the socket is not ready', () => {
    expect(transitionChannel(closed, EVENTS.subscribe, ctx({ ready: false }))).toEqual([joining({ joinRef: null }), []])
  })

  test('while leaving remembers to join after the leave', () => {
    expect(transitionChannel(leaving(), EVENTS.subscribe, ctx())).toEqual([leaving(true), []])
  })
})

describe('ready', () => {
  test('in joining(n, null) sends the join, keeping attempt and flags', () => {
    const state = joining({ attempt: 3, joinRef: null, joinedBefore: true, tokenRetried: true })
    expect(transitionChannel(state, EVENTS.ready, ctx())).toEqual([
      joining({ attempt: 3, joinRef: '9', joinedBefore: true, tokenRetried: true }),
      joinNow(),
    ])
  })

  test('in errored waiting for it joins with the next attempt', () => {
    const state = errored({ attempt: 2, retryAt: null, joinedBefore: true })
    expect(transitionChannel(state, EVENTS.ready, ctx())).toEqual([
      joining({ attempt: 3, joinRef: '9', joinedBefore: true }),
      joinNow(),
    ])
  })
})

describe('join-ok', () => {
  test('for the first join emits SUBSCRIBED and joined, without resubscribed', () => {
    expect(transitionChannel(joining(), EVENTS['join-ok'], ctx())).toEqual([
      joined(),
      [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED],
    ])
  })

  test('after an earlier join also emits resubscribed', () => {
    expect(transitionChannel(joining({ joinedBefore: true, tokenRetried: true }), EVENTS['join-ok'], ctx())).toEqual([
      joined(),
      [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED],
    ])
  })
})

describe('join-error', () => {
  const refuse = (state: ChannelState, reason: string, over?: Partial<ChannelContext>) =>
    transitionChannel(state, { type: 'join-error', ref: '1', reason }, ctx(over))

  test('that cannot change fails and emits CHANNEL_ERROR', () => {
    expect(refuse(joining(), UNAUTHORIZED)).toEqual([
      failed,
      [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(UNAUTHORIZED))],
    ])
  })

  test('for a token asks for a new one and waits for ready', () => {
    expect(refuse(joining({ attempt: 2, joinedBefore: true }), EXPIRED)).toEqual([
      errored({ attempt: 2, retryAt: null, error: refusal(EXPIRED), joinedBefore: true, tokenRetried: true }),
      [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(EXPIRED)), REFRESH],
    ])
  })

  test('for a token after a refresh fails', () => {
    expect(refuse(joining({ tokenRetried: true }), EXPIRED)).toEqual([
      { name: 'failed', error: refusal(EXPIRED) },
      [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(EXPIRED))],
    ])
  })

  test.each([
    [1, 1000],
    [2, 2000],
    [3, 5000],
    [4, 10_000],
    [9, 10_000],
  ])('for a passing condition at attempt %i retries after %i ms', (attempt, ms) => {
    expect(refuse(joining({ attempt }), RESTARTING)).toEqual([
      errored({ attempt, retryAt: NOW + ms, error: refusal(RESTARTING) }),
      [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(RESTARTING)), start('retry', ms)],
    ])
  })

  test('for a rate limit retries after a longer delay', () => {
    expect(refuse(joining(), JOIN_RATE)).toEqual([
      errored({ retryAt: NOW + 10_000, error: refusal(JOIN_RATE) }),
      [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(JOIN_RATE)), start('retry', 10_000)],
    ])
  })
})

describe('join-timeout', () => {
  test('emits TIMED_OUT, leaves the join and schedules a retry', () => {
    expect(transitionChannel(joining({ attempt: 2, joinedBefore: true }), EVENTS['join-timeout'], ctx())).toEqual([
      errored({ attempt: 2, retryAt: NOW + 2000, error: { kind: 'timeout' }, joinedBefore: true }),
      [emit('TIMED_OUT'), sendLeave('1', '9'), start('retry', 2000)],
    ])
  })
})

describe('retry-due', () => {
  test('joins with the next attempt when the socket is ready', () => {
    expect(transitionChannel(errored({ attempt: 2, tokenRetried: true }), EVENTS['retry-due'], ctx())).toEqual([
      joining({ attempt: 3, joinRef: '9', tokenRetried: true }),
      joinNow(),
    ])
  })

  test('waits for ready when the socket is not ready', () => {
    expect(transitionChannel(errored({ attempt: 2 }), EVENTS['retry-due'], ctx({ ready: false }))).toEqual([
      errored({ attempt: 2, retryAt: null }),
      [],
    ])
  })
})

describe('socket-down', () => {
  test('in joined emits CHANNEL_ERROR and waits to join again from attempt 1', () => {
    expect(transitionChannel(joined(), EVENTS['socket-down'], ctx())).toEqual([
      joining({ joinRef: null, joinedBefore: true }),
      [LEFT, emit('CHANNEL_ERROR', { kind: 'socket' })],
    ])
  })

  test('in joining forgets the join ref and keeps the attempt', () => {
    expect(transitionChannel(joining({ attempt: 3 }), EVENTS['socket-down'], ctx())).toEqual([
      joining({ attempt: 3, joinRef: null }),
      [cancel('join-timeout')],
    ])
  })

  test('in errored cancels the retry and waits for ready', () => {
    expect(transitionChannel(errored({ attempt: 2 }), EVENTS['socket-down'], ctx())).toEqual([
      errored({ attempt: 2, retryAt: null }),
      [cancel('retry')],
    ])
  })

  test('in leaving ends the leave', () => {
    expect(transitionChannel(leaving(), EVENTS['socket-down'], ctx())).toEqual([
      closed,
      [cancel('leave-timeout'), emit('CLOSED')],
    ])
  })
})

describe('server-error', () => {
  test('in joined emits CHANNEL_ERROR and retries after the first step', () => {
    expect(transitionChannel(joined(), EVENTS['server-error'], ctx())).toEqual([
      errored({ retryAt: NOW + 1000, error: { kind: 'server-error' }, joinedBefore: true }),
      [LEFT, emit('CHANNEL_ERROR', { kind: 'server-error' }), start('retry', 1000)],
    ])
  })
})

describe('server-close', () => {
  const close = (shutdown: ShutdownKind): ChannelEvent => ({
    type: 'server-close',
    joinRef: '1',
    shutdown,
    message: `m:${shutdown}`,
  })

  test.each<ShutdownKind>(['token-expired', 'token-invalid'])(
    'after a %s shutdown asks for a new token and joins again',
    (shutdown) => {
      expect(transitionChannel(joined(), close(shutdown), ctx())).toEqual([
        joining({ joinRef: null, joinedBefore: true, tokenRetried: true }),
        [LEFT, emit('CHANNEL_ERROR', { kind: 'closed', shutdown, message: `m:${shutdown}` }), REFRESH],
      ])
    },
  )

  test.each<ShutdownKind>(['permission-revoked', 'rate-limited', 'server-disconnect', 'other'])(
    'after a shutdown of kind %s closes without rejoining',
    (shutdown) => {
      expect(run(joined(), [[close(shutdown)], [EVENTS.ready], [EVENTS['retry-due']]])).toEqual([
        [closed, [LEFT, emit('CLOSED')]],
        [closed, []],
        [closed, []],
      ])
    },
  )
})

describe('rejoin', () => {
  test('in joined sends a new join at once', () => {
    expect(transitionChannel(joined(), EVENTS.rejoin, ctx())).toEqual([
      joining({ joinRef: '9', joinedBefore: true }),
      [LEFT, ...joinNow()],
    ])
  })

  test('in joined waits for ready when the socket is not ready', () => {
    expect(transitionChannel(joined(), EVENTS.rejoin, ctx({ ready: false }))).toEqual([
      joining({ joinRef: null, joinedBefore: true }),
      [LEFT],
    ])
  })
})

describe('unsubscribe', () => {
  test.each<[string, ChannelState, ChannelResult]>([
    ['closed', closed, [closed, []]],
    ['failed', failed, [closed, [emit('CLOSED')]]],
    ['joining(1, null)', joining({ joinRef: null }), [closed, [emit('CLOSED')]]],
    [
      'joining(1, "1")',
      joining(),
      [leaving(), [cancel('join-timeout'), sendLeave('1', '2'), start('leave-timeout', 10_000)]],
    ],
    ['joined', joined(), [leaving(), [LEFT, sendLeave('1', '2'), start('leave-timeout', 10_000)]]],
    ['leaving', leaving(), [leaving(), []]],
    ['leaving with a join to follow', leaving(true), [leaving(), []]],
    ['errored', errored(), [closed, [cancel('retry'), emit('CLOSED')]]],
    ['errored waiting for ready', errored({ retryAt: null }), [closed, [emit('CLOSED')]]],
  ])('in %s', (_, state, expected) => {
    expect(transitionChannel(state, EVENTS.unsubscribe, ctx({ ref: '2' }))).toEqual(expected)
  })
})

describe('leave-ok and leave-timeout', () => {
  test('leave-ok closes and emits CLOSED', () => {
    expect(transitionChannel(leaving(), EVENTS['leave-ok'], ctx())).toEqual([
      closed,
      [cancel('leave-timeout'), emit('CLOSED')],
    ])
  })

  test('leave-timeout closes and emits CLOSED', () => {
    expect(transitionChannel(leaving(), EVENTS['leave-timeout'], ctx())).toEqual([closed, [emit('CLOSED')]])
  })

  test('leave-ok joins again when a subscribe came while leaving', () => {
    expect(transitionChannel(leaving(true), EVENTS['leave-ok'], ctx())).toEqual([
      joining({ joinRef: '9' }),
      [cancel('leave-timeout'), emit('CLOSED'), ...joinNow()],
    ])
  })

  test('leave-timeout with a subscribe pending waits for ready when the socket is down', () => {
    expect(transitionChannel(leaving(true), EVENTS['leave-timeout'], ctx({ ready: false }))).toEqual([
      joining({ joinRef: null }),
      [emit('CLOSED')],
    ])
  })
})

describe('scenarios', () => {
  test('an unauthorized join fails once and never retries', () => {
    expect(
      run(joining(), [
        [{ type: 'join-error', ref: '1', reason: UNAUTHORIZED }],
        [EVENTS['retry-due']],
        [EVENTS.ready],
        [EVENTS['socket-down']],
      ]),
    ).toEqual([
      [failed, [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(UNAUTHORIZED))]],
      [failed, []],
      [failed, []],
      [failed, []],
    ])
  })

  test('a server that keeps restarting is retried after 1, 2, 5, 10 and 10 s', () => {
    const steps: Array<[ChannelEvent, Partial<ChannelContext>?]> = []
    const expected: ChannelResult[] = []
    let now = NOW
    for (const [attempt, ms] of [
      [1, 1000],
      [2, 2000],
      [3, 5000],
      [4, 10_000],
      [5, 10_000],
    ] as const) {
      const ref = String(attempt)
      steps.push([{ type: 'join-error', ref, reason: RESTARTING }, { now }])
      expected.push([
        errored({ attempt, retryAt: now + ms, error: refusal(RESTARTING) }),
        [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(RESTARTING)), start('retry', ms)],
      ])
      now += ms
      steps.push([EVENTS['retry-due'], { now, ref: String(attempt + 1) }])
      expected.push([joining({ attempt: attempt + 1, joinRef: String(attempt + 1) }), joinNow(String(attempt + 1))])
    }
    expect(run(joining(), steps)).toEqual(expected)
  })

  test('a join that times out is left and retried', () => {
    expect(
      run(joining(), [
        [EVENTS['join-timeout'], { ref: '2' }],
        [EVENTS['retry-due'], { now: NOW + 1000, ref: '3' }],
        [{ type: 'join-ok', ref: '3' }],
      ]),
    ).toEqual([
      [errored({ retryAt: NOW + 1000 }), [emit('TIMED_OUT'), sendLeave('1', '2'), start('retry', 1000)]],
      [joining({ attempt: 2, joinRef: '3' }), joinNow('3')],
      [joined('3'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED]],
    ])
  })

  test('a token that expires mid-join is refreshed once, then the channel fails', () => {
    expect(
      run(joining(), [
        [{ type: 'join-error', ref: '1', reason: EXPIRED }],
        [EVENTS['retry-due']],
        [EVENTS.ready, { ref: '2' }],
        [{ type: 'join-error', ref: '2', reason: EXPIRED }],
      ]),
    ).toEqual([
      [
        errored({ retryAt: null, error: refusal(EXPIRED), tokenRetried: true }),
        [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(EXPIRED)), REFRESH],
      ],
      [errored({ retryAt: null, error: refusal(EXPIRED), tokenRetried: true }), []],
      [joining({ attempt: 2, joinRef: '2', tokenRetried: true }), joinNow('2')],
      [{ name: 'failed', error: refusal(EXPIRED) }, [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(EXPIRED))]],
    ])
  })

  test('a token-expired shutdown is refreshed and rejoined once, then the channel fails', () => {
    const expiry: ChannelEvent = {
      type: 'server-close',
      joinRef: '1',
      shutdown: 'token-expired',
      message: 'Token has expired 0 seconds ago',
    }
    expect(
      run(joined(), [[expiry], [EVENTS.ready, { ref: '2' }], [{ type: 'join-error', ref: '2', reason: EXPIRED }]]),
    ).toEqual([
      [
        joining({ joinRef: null, joinedBefore: true, tokenRetried: true }),
        [LEFT, emit('CHANNEL_ERROR', { kind: 'closed', shutdown: 'token-expired', message: expiry.message }), REFRESH],
      ],
      [joining({ joinRef: '2', joinedBefore: true, tokenRetried: true }), joinNow('2')],
      [{ name: 'failed', error: refusal(EXPIRED) }, [cancel('join-timeout'), emit('CHANNEL_ERROR', refusal(EXPIRED))]],
    ])
  })

  test('a token-expired shutdown rejoins with the refreshed token and resubscribes', () => {
    const expiry: ChannelEvent = {
      type: 'server-close',
      joinRef: '1',
      shutdown: 'token-expired',
      message: 'Token has expired 0 seconds ago',
    }
    const [, , third] = run(joined(), [[expiry], [EVENTS.ready, { ref: '2' }], [{ type: 'join-ok', ref: '2' }]])
    expect(third).toEqual([joined('2'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]])
  })

  test('a phx_error puts the channel in errored and rejoins it', () => {
    expect(
      run(joined(), [
        [EVENTS['server-error']],
        [EVENTS['retry-due'], { now: NOW + 1000, ref: '2' }],
        [{ type: 'join-ok', ref: '2' }],
      ]),
    ).toEqual([
      [
        errored({ retryAt: NOW + 1000, error: { kind: 'server-error' }, joinedBefore: true }),
        [LEFT, emit('CHANNEL_ERROR', { kind: 'server-error' }), start('retry', 1000)],
      ],
      [joining({ attempt: 2, joinRef: '2', joinedBefore: true }), joinNow('2')],
      [joined('2'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]],
    ])
  })

  test('socket down and ready cycles end joined again', () => {
    expect(
      run(joined(), [
        [EVENTS['socket-down']],
        [EVENTS.ready, { ref: '2' }],
        [EVENTS['socket-down']],
        [EVENTS.ready, { ref: '3' }],
        [{ type: 'join-ok', ref: '2' }],
        [{ type: 'join-ok', ref: '3' }],
      ]),
    ).toEqual([
      [joining({ joinRef: null, joinedBefore: true }), [LEFT, emit('CHANNEL_ERROR', { kind: 'socket' })]],
      [joining({ joinRef: '2', joinedBefore: true }), joinNow('2')],
      [joining({ joinRef: null, joinedBefore: true }), [cancel('join-timeout')]],
      [joining({ joinRef: '3', joinedBefore: true }), joinNow('3')],
      [joining({ joinRef: '3', joinedBefore: true }), []],
      [joined('3'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]],
    ])
  })

  test('resubscribed comes on every rejoin after the first join, and not after a fresh subscribe', () => {
    const results = run(closed, [
      [EVENTS.subscribe, { ref: '1' }],
      [{ type: 'join-ok', ref: '1' }],
      [EVENTS.rejoin, { ref: '2' }],
      [{ type: 'join-ok', ref: '2' }],
      [EVENTS['socket-down']],
      [EVENTS.ready, { ref: '3' }],
      [{ type: 'join-ok', ref: '3' }],
      [EVENTS.unsubscribe, { ref: '4' }],
      [{ type: 'leave-ok', ref: '4' }],
      [EVENTS.subscribe, { ref: '5' }],
      [{ type: 'join-ok', ref: '5' }],
    ])
    expect(results.filter(([state]) => state.name === 'joined')).toEqual([
      [joined('1'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED]],
      [joined('2'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]],
      [joined('3'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]],
      [joined('5'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED]],
    ])
  })

  test('a config change rejoins and ignores the close of the old join', () => {
    expect(
      run(joined(), [
        [EVENTS.rejoin, { ref: '2' }],
        [{ type: 'join-ok', ref: '2' }],
        [{ type: 'server-close', joinRef: '1', shutdown: 'other', message: 'duplicate join' }],
      ]),
    ).toEqual([
      [joining({ joinRef: '2', joinedBefore: true }), [LEFT, ...joinNow('2')]],
      [joined('2'), [cancel('join-timeout'), emit('SUBSCRIBED'), JOINED, RESUBSCRIBED]],
      [joined('2'), []],
    ])
  })

  test('a subscribe while leaving joins again once the leave completes', () => {
    expect(
      run(joined(), [
        [EVENTS.unsubscribe, { ref: '2' }],
        [EVENTS.subscribe],
        [{ type: 'leave-ok', ref: '2' }, { ref: '3' }],
      ]),
    ).toEqual([
      [leaving(), [LEFT, sendLeave('1', '2'), start('leave-timeout', 10_000)]],
      [leaving(true), []],
      [joining({ joinRef: '3' }), [cancel('leave-timeout'), emit('CLOSED'), ...joinNow('3')]],
    ])
  })

  test('a subscribe then unsubscribe while leaving does not join again', () => {
    expect(run(leaving(), [[EVENTS.subscribe], [EVENTS.unsubscribe], [EVENTS['leave-timeout']]])).toEqual([
      [leaving(true), []],
      [leaving(), []],
      [closed, [emit('CLOSED')]],
    ])
  })

  test('the initial state is closed', () => {
    expect(initialChannelState).toEqual(closed)
  })
})

describe('joined and left', () => {
  const states: ChannelState[] = [
    closed,
    failed,
    joining({ joinRef: null }),
    joining(),
    joined(),
    leaving(),
    leaving(true),
    errored(),
    errored({ retryAt: null }),
  ]

  test('a transition into joined has one `joined`, one out of it starts with `left`, no other has either', () => {
    const wrong: string[] = []
    for (const state of states) {
      for (const event of all()) {
        for (const ready of [true, false]) {
          const [next, effects] = transitionChannel(state, event, ctx({ ready }))
          const entered = state.name !== 'joined' && next.name === 'joined'
          const left = state.name === 'joined' && next.name !== 'joined'
          const expected = [...(left ? ['left@0'] : []), ...(entered ? ['joined'] : [])]
          const seen = effects.flatMap((effect, i) =>
            effect.type === 'left' ? [`left@${i}`] : effect.type === 'joined' ? ['joined'] : [],
          )
          if (JSON.stringify(seen) !== JSON.stringify(expected)) {
            wrong.push(`${state.name} ${event.type} ready:${ready}: ${seen.join()}`)
          }
        }
      }
    }
    expect(wrong).toEqual([])
  })

  test('the rows above do leave and enter joined', () => {
    const out = all().filter((event) => transitionChannel(joined(), event, ctx())[0].name !== 'joined')
    expect(out.map((e) => e.type)).toEqual(['unsubscribe', 'socket-down', 'server-error', 'server-close', 'rejoin'])
  })
})

// The machine under the generic Driver, its timers on a TestClock; `server` answers each join after `replyAfterMs`.
function drive(clock: TestClock, server: (joinRef: string) => ChannelEvent | null, replyAfterMs = 100) {
  const t0 = clock.now()
  const log: Array<[number, string]> = []
  let ref = 0
  const driver: Driver<ChannelState, ChannelEvent, ChannelContext, ChannelEffect> = new Driver({
    initial: initialChannelState,
    transition: transitionChannel,
    context: () => ({ now: clock.now(), ref: String(++ref), ready: true, timeoutMs: 10_000 }),
    timers: { clock, fired: channelTimerEvent },
    perform: (effect) => {
      if (effect.type === 'send-join') {
        log.push([clock.now() - t0, `join ${effect.joinRef}`])
        const reply = server(effect.joinRef)
        if (reply) clock.setTimeout(() => driver.dispatch(reply), replyAfterMs)
      } else if (effect.type === 'send-leave') {
        log.push([clock.now() - t0, `leave ${effect.joinRef}`])
      } else if (effect.type === 'emit') {
        log.push([clock.now() - t0, effect.status])
      }
    },
  })
  return { dispatch: (event: ChannelEvent) => driver.dispatch(event), log, state: () => driver.state }
}

describe('driven by a TestClock', () => {
  test('refused joins are retried after 1, 2, 5 and 10 s until the server accepts', () => {
    const clock = new TestClock()
    let joins = 0
    const channel = drive(clock, (joinRef) =>
      ++joins < 5 ? { type: 'join-error', ref: joinRef, reason: RESTARTING } : { type: 'join-ok', ref: joinRef },
    )
    channel.dispatch({ type: 'subscribe' })
    clock.advance(60_000)
    expect(channel.log).toEqual([
      [0, 'join 1'],
      [100, 'CHANNEL_ERROR'],
      [1100, 'join 3'],
      [1200, 'CHANNEL_ERROR'],
      [3200, 'join 5'],
      [3300, 'CHANNEL_ERROR'],
      [8300, 'join 7'],
      [8400, 'CHANNEL_ERROR'],
      [18_400, 'join 9'],
      [18_500, 'SUBSCRIBED'],
    ])
    expect([channel.state(), clock.pending()]).toEqual([joined('9'), []])
  })

  test('an unanswered join times out every 10 s and is retried with the rejoin steps', () => {
    const clock = new TestClock()
    const channel = drive(clock, () => null)
    channel.dispatch({ type: 'subscribe' })
    clock.advance(40_000)
    expect(channel.log).toEqual([
      [0, 'join 1'],
      [10_000, 'TIMED_OUT'],
      [10_000, 'leave 1'],
      [11_000, 'join 3'],
      [21_000, 'TIMED_OUT'],
      [21_000, 'leave 3'],
      [23_000, 'join 5'],
      [33_000, 'TIMED_OUT'],
      [33_000, 'leave 5'],
      [38_000, 'join 7'],
    ])
    channel.dispatch({ type: 'unsubscribe' })
    expect(clock.pending()).toEqual([10_000])
    clock.advance(10_000)
    expect([channel.state(), channel.log.slice(-2)]).toEqual([
      { name: 'closed' },
      [
        [40_000, 'leave 7'],
        [50_000, 'CLOSED'],
      ],
    ])
  })
})
