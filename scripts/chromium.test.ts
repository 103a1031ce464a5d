import { existsSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import { chromiumLaunchOptions, findChromium, HOST_RESOLVER_FLAG, SYSTEM_CHROMIUM } from './chromium.mjs'

describe('findChromium', () => {
  test('takes CHROMIUM_PATH first when the file exists', () => {
    expect(findChromium({ CHROMIUM_PATH: process.execPath })).toEqual({
      path: process.execPath,
      source: 'CHROMIUM_PATH',
    })
  })

  test('names CHROMIUM_PATH when it points at nothing', () => {
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chromium' })).toThrow(
      'CHROMIUM_PATH is set to "/nonexistent/chromium", but no file is there',
    )
  })

  test.runIf(existsSync(SYSTEM_CHROMIUM))("falls back to Debian's /usr/bin/chromium", () => {
    expect(findChromium({})).toEqual({ path: SYSTEM_CHROMIUM, source: 'system' })
  })
})

describe('chromiumLaunchOptions', () => {
  test('always resolves only loopback host names', () => {
    expect(chromiumLaunchOptions().args).toContain(HOST_RESOLVER_FLAG)
    expect(HOST_RESOLVER_FLAG).toBe('--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1')
  })

  test('appends extra arguments after the resolver flag', () => {
    expect(chromiumLaunchOptions({ args: ['--mute-audio'] }).args).toEqual([HOST_RESOLVER_FLAG, '--mute-audio'])
  })

  test('maps extra loopback names to 127.0.0.1 in the one resolver flag (a second flag would replace it)', () => {
    expect(chromiumLaunchOptions({ loopbackNames: ['devbox.test'] }).args).toEqual([
      '--host-resolver-rules=MAP devbox.test 127.0.0.1 , MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1',
    ])
  })
})
