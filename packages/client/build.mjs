// Builds the publishable package into dist/: ESM (the engine and the protocol bundled in;
// comlink and idb-keyval stay dependencies), the two worker entries as files of their
// own, declarations, the README, the LICENSE and a package.json with the version of
// packages/client/package.json (the one published; the workspace package itself stays private).
// `npm run build` (the root's script), then `npm pack ./packages/client/dist`.
//
// The spawn code (spawn.ts, and leader-spawn.ts in the leader host's chunk) keeps the static form `new SharedWorker(new URL('./shared-worker-entry.js',
// import.meta.url), …)` in dist, so an app's Vite bundles the worker with no configuration.
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const here = dirname(fileURLToPath(import.meta.url))
const repo = resolve(here, '../..')
const outDir = resolve(process.argv[2] ?? join(here, 'dist'))
const pkg = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8'))
const WORKERS = ['shared-worker-entry', 'dedicated-worker-entry', 'leader-worker-entry']
/** The modules that spawn them (the leader's is in its lazily loaded chunk). */
const SPAWNERS = ['/host/tab/spawn.ts', '/host/tab/leader-spawn.ts']

/**
 * Keeps `new URL('../worker/<worker>.ts', import.meta.url)` (src/host/tab/spawn.ts) out of Vite's own worker
 * bundling, then writes it back as the static `./<worker>.js` form (the worker files sit beside index.js in dist).
 */
const keepWorkerUrls = {
  name: 'shared-realtime:keep-worker-urls',
  enforce: /** @type {const} */ ('pre'),
  /** @param {string} code @param {string} id */
  transform(code, id) {
    if (!SPAWNERS.some((spawner) => id.endsWith(spawner))) return null
    let out = code
    for (const name of WORKERS)
      out = out.replaceAll(
        `new URL('../worker/${name}.ts', import.meta.url)`,
        `new URL(/* @vite-ignore */ '__WORKER__${name}', import.meta.url)`,
      )
    return { code: out, map: null } // same lines, same columns up to the URL: the mappings still hold
  },
  /** @param {string} code @param {{ fileName: string }} chunk */
  renderChunk(code, chunk) {
    let out = code
    // the worker files sit beside index.js; a chunk under chunks/ (the leader host's) reaches them one level up
    const dir = chunk.fileName.includes('/') ? '../' : './'
    for (const name of WORKERS)
      out = out.replace(
        new RegExp(`new URL\\(\\s*(/\\*\\s*@vite-ignore\\s*\\*/\\s*)?["']__WORKER__${name}["']`, 'g'),
        `new URL('${dir}${name}.js'`,
      )
    return out === code ? null : { code: out, map: null }
  },
}

rmSync(outDir, { recursive: true, force: true })
await build({
  configFile: false,
  root: repo,
  logLevel: 'warn',
  plugins: [keepWorkerUrls],
  build: {
    outDir,
    emptyOutDir: true,
    minify: false,
    sourcemap: true,
    target: 'es2022',
    lib: {
      entry: {
        index: join(here, 'src/index.ts'),
        ...Object.fromEntries(WORKERS.map((w) => [w, join(here, `src/host/worker/${w}.ts`)])),
      },
      formats: ['es'],
      fileName: (_format, name) => `${name}.js`,
    },
    rollupOptions: {
      external: [/^comlink(\/|$)/, /^idb-keyval(\/|$)/],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
})

// Declarations: tsc for the client and the workspace packages it imports, then the bare
// `@shared-realtime/*` specifiers rewritten to the emitted files (they are not published).
const typesDir = join(outDir, 'types')
const tsconfig = join(outDir, 'tsconfig.types.json')
writeFileSync(
  tsconfig,
  JSON.stringify({
    extends: join(repo, 'tsconfig.json'),
    compilerOptions: {
      noEmit: false,
      declaration: true,
      emitDeclarationOnly: true,
      rootDir: join(repo, 'packages'),
      outDir: typesDir,
      types: [],
      // resolve the workspace packages to their sources directly: reached through node_modules they
      // count as an external library, and tsc (7, emitting in parallel) then sometimes skips their files
      paths: {
        '@shared-realtime/protocol': [join(repo, 'packages/protocol/src/index.ts')],
        '@shared-realtime/engine': [join(repo, 'packages/engine/src/index.ts')],
      },
    },
    include: [
      join(here, 'src/index.ts'),
      join(here, 'src/host/tab/*.d.ts'),
      join(repo, 'packages/engine/src/index.ts'),
      join(repo, 'packages/protocol/src/index.ts'),
      join(repo, 'packages/protocol/src/platform.d.ts'),
    ],
  }),
)
execFileSync(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { stdio: 'inherit' })
rmSync(tsconfig)
/** @param {string} dir @returns {string[]} */
const walk = (dir) =>
  readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]))
for (const file of walk(typesDir).filter((f) => f.endsWith('.d.ts'))) {
  const text = readFileSync(file, 'utf8')
  const rewritten = text.replace(/(['"])@shared-realtime\/(protocol|engine)\1/g, (_m, q, name) => {
    let path = relative(dirname(file), join(typesDir, name, 'src/index.ts'))
    if (!path.startsWith('.')) path = `./${path}`
    return `${q}${path}${q}`
  })
  if (rewritten !== text) writeFileSync(file, rewritten)
}

mkdirSync(outDir, { recursive: true })
writeFileSync(
  join(outDir, 'package.json'),
  `${JSON.stringify(
    {
      name: pkg.name,
      version: pkg.version,
      description: pkg.description,
      license: pkg.license,
      type: 'module',
      main: './index.js',
      types: './types/client/src/index.d.ts',
      exports: {
        '.': { types: './types/client/src/index.d.ts', default: './index.js' },
        './package.json': './package.json',
      },
      sideEffects: WORKERS.map((w) => `./${w}.js`),
      dependencies: { comlink: pkg.dependencies.comlink, 'idb-keyval': pkg.dependencies['idb-keyval'] },
      publishConfig: { access: 'public' }, // a scoped package is published private unless told
    },
    null,
    2,
  )}\n`,
)
// every relative import in the declarations must land on an emitted file (a missing one breaks the types)
for (const file of walk(typesDir).filter((f) => f.endsWith('.d.ts'))) {
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(/from ['"](\.{1,2}\/[^'"]+)\.ts['"]/g)) {
    const target = resolve(dirname(file), `${spec}.d.ts`)
    if (!existsSync(target))
      throw new Error(`build: ${relative(outDir, file)} imports ${spec}.ts, whose declaration was not emitted`)
  }
}
cpSync(join(here, 'README.md'), join(outDir, 'README.md'))
cpSync(join(repo, 'LICENSE'), join(outDir, 'LICENSE'))
console.log(`built ${pkg.name} into ${relative(process.cwd(), outDir) || '.'}`)
