// The COMMANDS table is the one list of commands: TabApi, the guard, the argument checks and
// the worker's command surface come from it. Here: every argument name has a check, and the
// derived types are what a tab sends and receives (checked by the typecheck).
import type { PushResult, SendOptions, SubscriptionSpec } from '@shared-realtime/engine'
import { describe, expect, expectTypeOf, test } from 'vitest'
import {
  type Args,
  COMMANDS,
  type EngineConfig,
  type Remembered,
  type Reply,
  type Result,
  type TabApi,
  type WorkerSnapshot,
} from './protocol.ts'
import { ARGS } from './worker/validate.ts'

describe('COMMANDS', () => {
  test('names only arguments the worker checks', () => {
    const names = Object.values(COMMANDS).flatMap((spec) => spec.args as readonly string[])
    expect(names.filter((name) => !(name in ARGS))).toEqual([])
  })

  // oxlint-disable-next-line vitest/expect-expect -- type assertions: the typecheck fails them
  test('derives each command’s arguments and answer', () => {
    // attach's warm may be left out: a tab of protocol 6 built before it sends a WarmMessage instead
    expectTypeOf<Args<'attach'>>().toEqualTypeOf<[EngineConfig, MessagePort, string, number, (boolean | undefined)?]>()
    expectTypeOf<Args<'subscribe'>>().toEqualTypeOf<[string, string, SubscriptionSpec]>()
    // send's options may be left out: its check takes undefined
    expectTypeOf<Args<'send'>>().toEqualTypeOf<[string, Record<string, unknown>, number, (SendOptions | undefined)?]>()
    expectTypeOf<Args<'connect'>>().toEqualTypeOf<[]>()
    expectTypeOf<Result<'inspect'>>().toEqualTypeOf<WorkerSnapshot>()
    expectTypeOf<Result<'ping'>>().toEqualTypeOf<null>()
    expectTypeOf<ReturnType<TabApi['send']>>().toEqualTypeOf<Promise<Reply<PushResult>>>()
    type Expected =
      'subscribe' | 'unsubscribe' | 'track' | 'untrack' | 'setAuth' | 'setTokenProvider' | 'connect' | 'disconnect'
    expectTypeOf<Remembered>().toEqualTypeOf<Expected>()
  })
})
