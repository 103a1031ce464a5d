import { describe, expect, test } from 'vitest'
import { DEBIAN_PACKAGES, findEngineBinaries } from './browsers.mjs'

describe('findEngineBinaries', () => {
  test('takes each environment variable first when its file exists', () => {
    const path = process.execPath
    expect(
      findEngineBinaries({ FIREFOX_PATH: path, WEBKIT_DRIVER_PATH: path, MINIBROWSER_PATH: path, XVFB_PATH: path }),
    ).toEqual({ firefox: path, webkitDriver: path, miniBrowser: path, xvfb: path })
  })

  test('names the variable that points at nothing', () => {
    expect(() => findEngineBinaries({ WEBKIT_DRIVER_PATH: '/nonexistent/WebKitWebDriver' })).toThrow(
      'WEBKIT_DRIVER_PATH is set to "/nonexistent/WebKitWebDriver", but no file is there',
    )
  })

  test('every binary it looks for has the Debian package that brings it', () => {
    expect(Object.keys(findEngineBinaries({})).toSorted()).toEqual(Object.keys(DEBIAN_PACKAGES).toSorted())
  })
})
