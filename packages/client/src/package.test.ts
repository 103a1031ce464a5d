// The publishable package (build.mjs), used the way an app uses it: a fresh Vite app that
// imports it with no configuration bundles the SharedWorker and the Worker as files of
// their own, and a strict TypeScript app typechecks against its declarations. Then as a
// supabase-js app gets it (issue #15): `npm pack` of the build, installed where an npm
// `overrides` block puts it (node_modules/@supabase/realtime-js, beside supabase-js),
// under a strict `skipLibCheck: false` typecheck and a `vite build`.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
let work: string
let app: string
/** The supabase-js app: supabase-js and this package's tarball as `@supabase/realtime-js` in its node_modules. */
let supabaseApp: string
/** What `npm pack --json` of the build said. */
let packed: { name: string; version: string; filename: string; files: Array<{ path: string }> }

beforeAll(() => {
  // inside the repo, so comlink and idb-keyval resolve from its node_modules as they would from an app's
  work = mkdtempSync(join(repo, 'node_modules', '.package-test-'))
  const dist = join(work, 'dist')
  execFileSync(process.execPath, [join(repo, 'packages/client/build.mjs'), dist], { stdio: 'pipe' })
  app = join(work, 'app')
  mkdirSync(join(app, 'node_modules/@shared-realtime'), { recursive: true })
  cpSync(dist, join(app, 'node_modules/@shared-realtime/client'), { recursive: true })
  writeFileSync(join(app, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>')
  writeFileSync(
    join(app, 'main.ts'),
    `import { RealtimeClient, REALTIME_SUBSCRIBE_STATES, type RealtimeChannel } from '@shared-realtime/client'
const client = new RealtimeClient('ws://127.0.0.1:4000/realtime/v1', { params: { apikey: 'key' } })
const channel: RealtimeChannel = client.channel('room').on('broadcast', { event: 'x' }, (payload) => console.log(payload))
channel.subscribe((status) => console.log(status === REALTIME_SUBSCRIBE_STATES.SUBSCRIBED))
`,
  )

  // npm pack of the build, unpacked where `"overrides": { "@supabase/realtime-js": "npm:@shared-realtime/client@…" }`
  // installs it: node_modules/@supabase/realtime-js, the package.json inside keeping its own name. supabase-js is
  // copied in beside it, so its `import '@supabase/realtime-js'` finds this package first (its other dependencies,
  // and comlink and idb-keyval, resolve from the repository's node_modules further up).
  const [info] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: dist, encoding: 'utf8' }),
  ) as [typeof packed]
  packed = info
  supabaseApp = join(work, 'supabase-app')
  const override = join(supabaseApp, 'node_modules/@supabase/realtime-js')
  mkdirSync(override, { recursive: true })
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', override, '--strip-components=1'])
  cpSync(join(repo, 'node_modules/@supabase/supabase-js'), join(supabaseApp, 'node_modules/@supabase/supabase-js'), {
    recursive: true,
    dereference: true,
  })
  writeFileSync(join(supabaseApp, 'index.html'), '<!doctype html><script type="module" src="./main.ts"></script>')
  writeFileSync(
    join(supabaseApp, 'main.ts'),
    `import { createClient, WebSocketFactory, type RealtimeChannel, type RealtimeRemoveChannelResponse } from '@supabase/supabase-js'

type IsAny<T> = 0 extends 1 & T ? true : false

const supabase = createClient('http://127.0.0.1:54321', 'anon-key')
const channel: RealtimeChannel = supabase
  .channel('room', { config: { broadcast: { self: true }, presence: { key: 'me' } } })
  .on('broadcast', { event: 'x' }, ({ payload }) => console.log(payload))
  .on<{ title: string }>('postgres_changes', { event: 'INSERT', schema: 'public', table: 'todos' }, (change) => {
    const title: string = change.new.title // the payload is typed from the filter's event, as with realtime-js
    console.log(title, change.eventType === 'INSERT')
  })
  .on('presence', { event: 'join' }, ({ key, newPresences }) => console.log(key, newPresences.length))
  .subscribe((status, error) => console.log(status, error?.message))

async function leave(): Promise<void> {
  const removed = await supabase.removeChannel(channel)
  const result: 'ok' | 'timed out' | 'error' | (string & {}) = removed
  // "removed" is the response type, not "any" (with a name missing, supabase-js's types fall back to any)
  const removedIsNotAny: IsAny<typeof removed> = false
  const all: RealtimeRemoveChannelResponse[] = await supabase.removeAllChannels()
  console.log(result, removedIsNotAny, all)
}

// supabase.realtime is this client (stock realtime-js has no "host"): the override is what the types see
const host: 'pending' | 'shared-worker' | 'leader' | 'worker' | 'page' = supabase.realtime.host
console.log(host, WebSocketFactory.isWebSocketSupported())
void leave()
`,
  )
}, 120_000)

afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the built package', () => {
  test('is ESM with its own package.json and both worker entries', () => {
    const pkg = JSON.parse(readFileSync(join(app, 'node_modules/@shared-realtime/client/package.json'), 'utf8'))
    expect(pkg).toMatchObject({
      name: '@shared-realtime/client',
      type: 'module',
      exports: { '.': { types: './types/client/src/index.d.ts', default: './index.js' } },
    })
    const files = readdirSync(join(app, 'node_modules/@shared-realtime/client'))
    expect(files).toEqual(
      expect.arrayContaining([
        'index.js',
        'shared-worker-entry.js',
        'dedicated-worker-entry.js',
        'leader-worker-entry.js',
      ]),
    )
    const index = readFileSync(join(app, 'node_modules/@shared-realtime/client/index.js'), 'utf8')
    expect(index).toContain(`new SharedWorker(new URL("./shared-worker-entry.js", import.meta.url)`)
  })

  test('a Vite app bundles the workers with no configuration', async () => {
    await build({
      configFile: false,
      root: app,
      logLevel: 'silent',
      build: { outDir: join(app, 'out'), emptyOutDir: true },
    })
    const assets = readdirSync(join(app, 'out/assets'))
    const shared = assets.find((f) => f.startsWith('shared-worker-entry'))
    const dedicated = assets.find((f) => f.startsWith('dedicated-worker-entry'))
    // (the leader host's, from its lazily loaded chunk)
    const leader = assets.find((f) => f.startsWith('leader-worker-entry'))
    expect(shared).toBeDefined()
    expect(dedicated).toBeDefined()
    expect(leader).toBeDefined()
    const main = assets.find((f) => f.startsWith('index') && f.endsWith('.js'))!
    expect(readFileSync(join(app, 'out/assets', main), 'utf8')).toContain(shared!)
    // every script one-byte: one character above U+00FF makes Blink and V8 hold its whole source as UTF-16, twice
    // the bytes in every tab and the worker (decision 82; packages/protocol/src/wide-chars.ts)
    const wide = assets
      .filter((f) => f.endsWith('.js'))
      .map((f) => [f, [...readFileSync(join(app, 'out/assets', f), 'utf8')].find((c) => c.charCodeAt(0) > 0xff)])
    expect(wide.filter(([, c]) => c !== undefined)).toEqual([])
    expect(wide.length).toBeGreaterThanOrEqual(4)
  }, 120_000)

  test('a strict TypeScript app typechecks against its declarations', () => {
    expect(typecheck(app)).toBe('')
  }, 60_000)
})

describe('npm pack of the build', () => {
  test('is a tarball with a real version, the exports, the types, the worker files, a README and the LICENSE', () => {
    const source = JSON.parse(readFileSync(join(repo, 'packages/client/package.json'), 'utf8')) as { version: string }
    expect(packed.name).toBe('@shared-realtime/client')
    expect(packed.version).toMatch(/^\d+\.\d+\.\d+(-[\w.]+)?$/)
    expect(packed.version).not.toBe('0.0.0')
    expect(packed.version).toBe(source.version)
    const files = packed.files.map((f) => f.path)
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'LICENSE',
        'index.js',
        'shared-worker-entry.js',
        'dedicated-worker-entry.js',
        'types/client/src/index.d.ts',
      ]),
    )
    // every file the package.json points at is in the tarball
    const pkg = JSON.parse(readFileSync(join(supabaseApp, 'node_modules/@supabase/realtime-js/package.json'), 'utf8'))
    expect(pkg).toMatchObject({ name: '@shared-realtime/client', version: packed.version })
    const targets = [pkg.main, pkg.types, ...JSON.stringify(pkg.exports).matchAll(/"(\.\/[^"]+)"/g)].map((t) =>
      (Array.isArray(t) ? t[1] : t).replace(/^\.\//, ''),
    )
    expect(targets.length).toBeGreaterThanOrEqual(5)
    for (const target of targets) expect(files).toContain(target)
  })
})

describe('a supabase-js app with the tarball installed as @supabase/realtime-js (the override)', () => {
  test('typechecks strictly, supabase-js and this package included (skipLibCheck: false)', () => {
    const errors = typecheck(supabaseApp)
      .split('\n')
      .filter((line) => /error TS\d+/.test(line))
    // auth-js's and storage-js's declarations fail a strict check whatever realtime-js is installed (auth-js's
    // WebAuthn types against TypeScript 7's DOM lib; storage-js names Node's Buffer): not ours, and not the swap's
    const ours = errors.filter((line) => !/node_modules\/@supabase\/(auth-js|storage-js)\//.test(line))
    expect(ours).toEqual([])
    expect(errors.length).toBeLessThanOrEqual(5) // today's count of theirs: a new error there shows up here
  }, 60_000)

  test('vite build: no missing export, the workers bundled as files of their own', async () => {
    const warnings: string[] = []
    await build({
      configFile: false,
      root: supabaseApp,
      logLevel: 'silent',
      build: {
        outDir: join(supabaseApp, 'out'),
        emptyOutDir: true,
        rollupOptions: { onwarn: (warning) => void warnings.push(`${warning.code}: ${warning.message}`) },
      },
    })
    expect(warnings.filter((w) => /MISSING_EXPORT|IMPORT_IS_UNDEFINED/.test(w))).toEqual([])
    const assets = readdirSync(join(supabaseApp, 'out/assets'))
    const shared = assets.find((f) => f.startsWith('shared-worker-entry'))
    expect(shared).toBeDefined()
    const main = readFileSync(
      join(
        supabaseApp,
        'out/assets',
        assets.find((f) => /^index.*\.js$/.test(f))!,
      ),
      'utf8',
    )
    expect(main).toContain(shared!) // supabase-js's RealtimeClient is this one: it spawns the SharedWorker
  }, 120_000)
})

/** `tsc` on `dir`'s main.ts, strict and with skipLibCheck off: its output ('' when clean). */
function typecheck(dir: string): string {
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        module: 'ESNext',
        moduleResolution: 'bundler',
        target: 'ES2022',
        lib: ['ES2023', 'DOM'],
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      files: ['main.ts'],
    }),
  )
  expect(existsSync(join(dir, 'main.ts'))).toBe(true)
  try {
    execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], {
      encoding: 'utf8',
    })
    return ''
  } catch (error) {
    return String((error as { stdout?: unknown }).stdout ?? error)
  }
}
