// The publishable package (build.mjs), used the way an app uses it: a fresh Vite app that
// imports it with no configuration bundles the SharedWorker and the Worker as files of
// their own, and a strict TypeScript app typechecks against its declarations.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'

const repo = resolve(fileURLToPath(new URL('../../..', import.meta.url)))
let work: string
let app: string

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
    expect(files).toEqual(expect.arrayContaining(['index.js', 'shared-worker-entry.js', 'dedicated-worker-entry.js']))
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
    expect(shared).toBeDefined()
    expect(dedicated).toBeDefined()
    const main = assets.find((f) => f.startsWith('index') && f.endsWith('.js'))!
    expect(readFileSync(join(app, 'out/assets', main), 'utf8')).toContain(shared!)
  }, 120_000)

  test('a strict TypeScript app typechecks against its declarations', () => {
    writeFileSync(
      join(app, 'tsconfig.json'),
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
    let output = ''
    try {
      execFileSync(
        process.execPath,
        [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')],
        { encoding: 'utf8' },
      )
    } catch (error) {
      output = String((error as { stdout?: unknown }).stdout ?? error)
    }
    expect(output).toBe('')
  }, 60_000)
})
