import { spawn } from 'node:child_process'
import { PassThrough } from 'node:stream'
import { describe, expect, test } from 'vitest'
import { CdpPipe, cpuBetween, processCpu, processKind, treeCpu } from './cdp-pipe.mjs'

describe('CdpPipe', () => {
  /** a pipe whose browser side the test plays */
  const pair = () => {
    const toBrowser = new PassThrough()
    const fromBrowser = new PassThrough()
    const cdp = new CdpPipe(toBrowser, fromBrowser)
    const written: string[] = []
    toBrowser.setEncoding('utf8').on('data', (chunk: string) => written.push(chunk))
    return { cdp, fromBrowser, written }
  }

  test('writes each command as JSON followed by a NUL byte, with the session when given', async () => {
    const { cdp, written } = pair()
    void cdp.send('Target.getTargets')
    void cdp.send('Runtime.evaluate', { expression: '1' }, 'S1')
    await new Promise((r) => setImmediate(r))
    const messages = written.join('').split('\0')
    expect(messages.pop()).toBe('')
    expect(messages.map((m) => JSON.parse(m))).toEqual([
      { id: 1, method: 'Target.getTargets', params: {} },
      { id: 2, method: 'Runtime.evaluate', params: { expression: '1' }, sessionId: 'S1' },
    ])
  })

  test('resolves replies by id across chunk boundaries, rejects errors with their message', async () => {
    const { cdp, fromBrowser } = pair()
    const a = cdp.send('A')
    const b = cdp.send('B')
    const text = `${JSON.stringify({ id: 2, error: { message: 'no such thing' } })}\0${JSON.stringify({ id: 1, result: { ok: true } })}\0`
    fromBrowser.write(text.slice(0, 7))
    fromBrowser.write(text.slice(7, 40))
    fromBrowser.write(text.slice(40))
    await expect(a).resolves.toEqual({ ok: true })
    await expect(b).rejects.toThrow('B: no such thing')
  })

  test('events go to the listeners of their session only; once() resolves on the first match', async () => {
    const { cdp, fromBrowser } = pair()
    const seen: unknown[] = []
    const off = cdp.on('S1', 'X.happened', (params) => seen.push(params))
    const next = cdp.once('', 'X.happened', (p) => p.n === 3)
    for (const [sessionId, n] of [
      ['S1', 1],
      ['S2', 2],
      [undefined, 3],
    ] as const)
      fromBrowser.write(
        `${JSON.stringify({ method: 'X.happened', params: { n }, ...(sessionId ? { sessionId } : {}) })}\0`,
      )
    await expect(next).resolves.toEqual({ n: 3 })
    expect(seen).toEqual([{ n: 1 }])
    off()
    fromBrowser.write(`${JSON.stringify({ method: 'X.happened', params: { n: 4 }, sessionId: 'S1' })}\0`)
    await new Promise((r) => setImmediate(r))
    expect(seen).toEqual([{ n: 1 }])
  })

  test('pending commands fail when the browser closes the pipe', async () => {
    const { cdp, fromBrowser } = pair()
    const pending = cdp.send('Browser.getVersion')
    fromBrowser.destroy()
    await expect(pending).rejects.toThrow('Browser.getVersion: the browser closed the pipe')
  })
})

describe('CPU from /proc', () => {
  test('processCpu reads this process: its parent, and CPU that grows with work', () => {
    const before = processCpu(process.pid)
    expect(before?.ppid).toBe(process.ppid)
    const until = Date.now() + 60
    let x = 0
    while (Date.now() < until) x += Math.sqrt(x + 1)
    const after = processCpu(process.pid)
    expect(after?.ms).toBeGreaterThan(before?.ms ?? Infinity)
    expect(processCpu(2 ** 30)).toBeUndefined()
  })

  test('treeCpu includes a child started below the root; cpuBetween counts a new process from zero', async () => {
    const before = treeCpu(process.pid)
    const child = spawn(process.execPath, ['-e', 'const t = Date.now() + 300; while (Date.now() < t);'])
    await new Promise((r) => setTimeout(r, 200))
    const during = treeCpu(process.pid)
    expect(during.has(child.pid ?? -1)).toBe(true)
    expect(before.has(child.pid ?? -1)).toBe(false)
    expect(cpuBetween(before, during)).toBeGreaterThanOrEqual(during.get(child.pid ?? -1) ?? Infinity)
    expect(processKind(process.pid)).toBe('browser') // no --type= switch: the root of its tree
    await new Promise((r) => child.once('exit', r))
  })

  test('cpuBetween sums differences and ignores processes gone before the second reading', () => {
    const before = new Map([
      [1, 100],
      [2, 50],
    ])
    const after = new Map([
      [1, 130],
      [3, 20],
    ])
    expect(cpuBetween(before, after)).toBe(50)
  })
})
