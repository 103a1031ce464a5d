// Main-thread bundle size, min+gz, of an app that imports only RealtimeClient: this
// client (with Comlink; the engine's worker is a separate file) next to
// @supabase/realtime-js, built the same way by Vite. `npm run size`; scripts/bench.mjs imports measureBundles().
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = resolve(import.meta.dirname, '..')

/** @param {Array<{ min: number, gz: number }>} list @param {'min' | 'gz'} key */
const sum = (list, key) => list.reduce((n, s) => n + s[key], 0)

/** @param {string} name @param {string} source */
async function measure(name, source) {
  const dir = mkdtempSync(join(root, 'node_modules', '.size-')) // inside the repo, so imports resolve
  const entry = join(dir, 'entry.js')
  writeFileSync(entry, source)
  const built = await build({
    configFile: false,
    root,
    logLevel: 'silent',
    build: {
      outDir: join(dir, 'out'),
      emptyOutDir: true,
      minify: true,
      modulePreload: false,
      rollupOptions: { input: entry, output: { entryFileNames: 'main.js', chunkFileNames: '[name].js' } },
    },
  })
  const files = readdirSync(join(dir, 'out'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js'))
  const sizes = files.map((f) => {
    const bytes = readFileSync(join(dir, 'out', f))
    return { file: f, min: bytes.byteLength, gz: gzipSync(bytes, { level: 9 }).byteLength }
  })
  rmSync(dir, { recursive: true, force: true })
  if (process.argv.includes('--files')) console.log(name, sizes)
  // what a page loads up front: the entry and the chunks it imports statically (not the
  // worker, not a chunk loaded by import() only: the in-page engine a tab loads when it falls
  // back to it, the REST fallback); Rollup's `imports` are the static imports of a chunk
  const outputs = /** @type {import('vite').Rollup.RollupOutput[]} */ (Array.isArray(built) ? built : [built])
  const chunks = new Map(
    outputs
      .flatMap((b) => b.output)
      .filter((c) => c.type === 'chunk')
      .map((c) => [c.fileName, c]),
  )
  const upFront = new Set()
  for (const todo = ['main.js']; todo.length > 0;) {
    const file = /** @type {string} */ (todo.pop())
    if (upFront.has(file)) continue
    upFront.add(file)
    todo.push(...(chunks.get(file)?.imports ?? []))
  }
  const main = sizes.filter((s) => upFront.has(s.file))
  const worker = sizes.filter((s) => /worker/i.test(s.file))
  return { name, mainMin: sum(main, 'min'), mainGz: sum(main, 'gz'), workerGz: sum(worker, 'gz') }
}

/** @param {number} n */
const kb = (n) => `${(n / 1024).toFixed(1)} kB`

/** Both clients' main-thread bundles (and this client's worker), min and min+gz bytes. */
export async function measureBundles() {
  return [
    await measure(
      '@shared-realtime/client',
      `import { RealtimeClient } from '@shared-realtime/client'\nwindow.c = RealtimeClient\n`,
    ),
    await measure(
      '@supabase/realtime-js',
      `import { RealtimeClient } from '@supabase/realtime-js'\nwindow.c = RealtimeClient\n`,
    ),
  ]
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const rows = await measureBundles()
  console.log('main-thread bundle (min / min+gz)          worker (min+gz)')
  for (const r of rows)
    console.log(
      `${r.name.padEnd(26)} ${kb(r.mainMin).padStart(9)} / ${kb(r.mainGz).padStart(8)}   ${r.workerGz ? kb(r.workerGz) : '-'}`,
    )
}
