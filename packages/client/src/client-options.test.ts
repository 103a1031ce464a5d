// RealtimeClientOptions.hiddenBatchMs (decision 81): checked when the client is built, with an error that names the
// option, the range and the value; 0 (off) and values in range are taken.

import { describe, expect, test } from 'vitest'
import { hiddenBatchMs } from './client-options.ts'
import { RealtimeClient } from './RealtimeClient.ts'

describe('hiddenBatchMs', () => {
  test.each([-1, 60_001, Number.NaN, Number.POSITIVE_INFINITY, '1000', null])('%s is refused at construction', (v) => {
    expect(
      () =>
        new RealtimeClient('ws://realtime.test/realtime/v1', { params: { apikey: 'k' }, hiddenBatchMs: v as number }),
    ).toThrow(new RangeError(`RealtimeClientOptions.hiddenBatchMs must be 0 (off) to 60000 ms, got ${String(v)}`))
  })

  test('0 (off), a value in range and none are taken as given', () => {
    expect([hiddenBatchMs(0), hiddenBatchMs(250), hiddenBatchMs(60_000), hiddenBatchMs(undefined)]).toEqual([
      0,
      250,
      60_000,
      undefined,
    ])
  })
})
