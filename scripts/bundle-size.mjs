// Main-thread bundle size, min+gz, of an app that imports only RealtimeClient: this
// client (with Comlink; the engine's worker is a separate file) next to
// @supabase/realtime-js, built the same way by Vite. `npm run size`; scripts/bench.mjs imports measureBundles().
// `node scripts/bundle-size.mjs --attribute` also says where this client's up-front bytes come from (by source
// file and by declaration, from the build's source maps); `--attribute=<text>` lists the declarations of the
// files whose path contains <text> only.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = resolve(import.meta.dirname, '..')

/** @param {Array<{ min: number, gz: number }>} list @param {'min' | 'gz'} key */
const sum = (list, key) => list.reduce((n, s) => n + s[key], 0)

/** @param {string} name @param {string} source @param {boolean} [attribute] */
async function measure(name, source, attribute = false) {
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
      sourcemap: attribute ? 'hidden' : false, // hidden: no sourceMappingURL comment, the same bytes
      rollupOptions: { input: entry, output: { entryFileNames: 'main.js', chunkFileNames: '[name].js' } },
    },
  })
  const files = readdirSync(join(dir, 'out'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.js') && !f.endsWith('.map'))
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
  if (attribute)
    printAttribution([...upFront].map((f) => /** @type {import('vite').Rollup.OutputChunk} */ (chunks.get(f))))
  // the SharedWorker's entry: what a browser fetches and compiles for the default host (the dedicated and the leader
  // entries are near copies of it, for the other hosts: adding them up would count the engine three times)
  const worker = sizes.filter((s) => /shared-worker-entry/i.test(s.file))
  const otherWorkers = sizes.filter((s) => /worker/i.test(s.file) && !/shared-worker-entry/i.test(s.file))
  return {
    name,
    mainMin: sum(main, 'min'),
    mainGz: sum(main, 'gz'),
    workerMin: sum(worker, 'min'),
    workerGz: sum(worker, 'gz'),
    otherWorkers,
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * A source map's mappings as [generated line, generated column, source index, original line] per segment.
 * @param {string} mappings
 */
function decodeMappings(mappings) {
  /** @type {Array<[number, number, number, number]>} */
  const out = []
  let source = 0
  let origLine = 0
  mappings.split(';').forEach((line, genLine) => {
    let genCol = 0
    for (const segment of line.split(',')) {
      if (segment === '') continue
      /** @type {number[]} */
      const fields = []
      let value = 0
      let shift = 0
      for (const ch of segment) {
        const digit = B64.indexOf(ch)
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      const [column = 0, sourceDelta = 0, lineDelta = 0] = fields // then the original column and name: not needed
      genCol += column
      if (fields.length >= 4) {
        source += sourceDelta
        origLine += lineDelta
        out.push([genLine, genCol, source, origLine])
      } else out.push([genLine, genCol, -1, 0])
    }
  })
  return out
}

/** A declaration's name at the start of a source line (top level or a class member), or undefined. */
const DECLARATION =
  /^(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\*?|class|const|let|var|enum)\s+([\w$]+)|^ {2}(?!(?:if|for|while|switch|return|try|throw|await|do|else|case|const|let|var)\b)(?:(?:static|private|protected|public|readonly|override|async|get|set)\s+)*(#?[\w$]+)\s*[(<=:]/

/** @param {string[]} list */
const gz = (list) => list.reduce((n, code) => n + gzipSync(code, { level: 9 }).byteLength, 0)

/**
 * Which source file and which declaration in it each minified byte of the up-front chunks comes from (the source
 * map's segments: a segment's bytes run to the next segment), with what gzip would save without them: the whole
 * file's bytes removed and the rest compressed again (gzip shares strings across files, so the savings do not add
 * up to the total). Bytes the map gives no source for (Vite's glue) are `(none)`.
 * @param {import('vite').Rollup.OutputChunk[]} chunks
 */
function printAttribution(chunks) {
  /** @type {Map<string, { min: number, ranges: Array<[number, number, number]> }>} */
  const byFile = new Map()
  /** @type {Map<string, number>} */
  const byDeclaration = new Map()
  const filter = process.argv.find((a) => a.startsWith('--attribute='))?.slice('--attribute='.length)
  chunks.forEach((chunk, index) => {
    const map = chunk.map
    if (!map) throw new Error(`no source map for ${chunk.fileName}`)
    const lines = chunk.code.split('\n')
    const sources = map.sources.map((s) => s.replace(/^(\.\.\/)+/, ''))
    /** @type {string[][]} the declaration each original line belongs to, per source */
    const owners = (map.sourcesContent ?? []).map((text) => {
      let current = '(top)'
      return (text ?? '')
        .split('\n')
        .map((line) => (current = DECLARATION.exec(line)?.slice(1).find(Boolean) ?? current))
    })
    const segments = decodeMappings(map.mappings)
    let offset = 0
    const lineStart = lines.map((line) => ((offset += line.length + 1), offset - line.length - 1))
    segments.forEach(([genLine, genCol, source, origLine], i) => {
      const next = segments[i + 1]
      const start = lineStart[genLine] ?? 0
      const end =
        next && next[0] === genLine ? next[1] : (lines[genLine]?.length ?? 0) + (genLine < lines.length - 1 ? 1 : 0)
      const bytes = end - genCol
      if (bytes <= 0) return
      const file = (source < 0 ? undefined : sources[source]) ?? '(none)'
      const entry = byFile.get(file) ?? { min: 0, ranges: [] }
      entry.min += bytes
      entry.ranges.push([index, start + genCol, start + end])
      byFile.set(file, entry)
      if (source >= 0 && (!filter || file.includes(filter))) {
        const key = `${file.replace(/^packages\//, '')} ${owners[source]?.[origLine] ?? '?'}`
        byDeclaration.set(key, (byDeclaration.get(key) ?? 0) + bytes)
      }
    })
    // bytes before a line's first segment
    lines.forEach((line, genLine) => {
      const first = segments.find((s) => s[0] === genLine)
      const bytes = (first ? first[1] : line.length) + (genLine < lines.length - 1 ? 1 : 0)
      if (bytes <= 0) return
      const entry = byFile.get('(none)') ?? { min: 0, ranges: [] }
      entry.min += bytes
      const start = lineStart[genLine] ?? 0
      entry.ranges.push([index, start, start + bytes])
      byFile.set('(none)', entry)
    })
  })
  const codes = chunks.map((c) => c.code)
  const total = gz(codes)
  const totalMin = codes.reduce((n, c) => n + c.length, 0)
  console.log(`\nup-front chunks ${chunks.map((c) => c.fileName).join(', ')}: ${totalMin} B min, ${total} B min+gz`)
  console.log('source file                                                      min B  share   gz saved without it')
  const rows = [...byFile].toSorted((a, b) => b[1].min - a[1].min)
  for (const [file, { min, ranges }] of rows) {
    const without = codes.map((code, index) => {
      const cut = ranges.filter((r) => r[0] === index).toSorted((a, b) => a[1] - b[1])
      let out = ''
      let at = 0
      for (const [, from, to] of cut) {
        out += code.slice(at, from)
        at = Math.max(at, to)
      }
      return out + code.slice(at)
    })
    const saved = total - gz(without)
    console.log(
      `${file.padEnd(62)} ${String(min).padStart(7)} ${((100 * min) / totalMin).toFixed(1).padStart(5)}% ${String(saved).padStart(8)}`,
    )
  }
  console.log(`\nlargest declarations${filter ? ` in files matching "${filter}"` : ''} (min B)`)
  const top = [...byDeclaration].toSorted((a, b) => b[1] - a[1]).slice(0, filter ? 200 : 40)
  for (const [key, min] of top) console.log(`${String(min).padStart(7)}  ${key}`)
}

/** @param {number} n */
const kb = (n) => `${(n / 1024).toFixed(1)} kB`

/**
 * Both clients' main-thread bundles (and this client's worker), min and min+gz bytes.
 * @param {boolean} [attribute] print where this client's up-front bytes come from
 */
export async function measureBundles(attribute = false) {
  return [
    await measure(
      '@shared-realtime/client',
      `import { RealtimeClient } from '@shared-realtime/client'\nwindow.c = RealtimeClient\n`,
      attribute,
    ),
    await measure(
      '@supabase/realtime-js',
      `import { RealtimeClient } from '@supabase/realtime-js'\nwindow.c = RealtimeClient\n`,
    ),
  ]
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const rows = await measureBundles(process.argv.some((a) => a.startsWith('--attribute')))
  console.log('main-thread bundle (min / min+gz)          SharedWorker entry (min / min+gz)')
  for (const r of rows)
    console.log(
      `${r.name.padEnd(26)} ${kb(r.mainMin).padStart(9)} / ${kb(r.mainGz).padStart(8)}   ${r.workerGz ? `${kb(r.workerMin)} / ${kb(r.workerGz)}` : '-'}`,
    )
  for (const r of rows)
    for (const w of r.otherWorkers)
      console.log(`  ${r.name}: the other hosts' ${w.file.replace(/^assets\//, '')}: ${kb(w.min)} / ${kb(w.gz)}`)
}
