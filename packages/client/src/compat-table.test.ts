// The client README's compatibility tables (section "Compatible with realtime-js", issue #15) list every option,
// public member and export of realtime-js with "same", "better (why)" or "not supported (why)". This test reads
// realtime-js's .d.ts files and the README's tables and fails when realtime-js has a name the tables do not list,
// when a row has no verdict, or when a row names something realtime-js does not have.

import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, test } from 'vitest'

const require = createRequire(import.meta.url)
const dts = (file: string) =>
  readFileSync(join(dirname(require.resolve('@supabase/realtime-js/package.json')), 'dist/module', file), 'utf8')

const withoutDocComments = (source: string) => source.replace(/\/\*\*[\s\S]*?\*\//g, '')

/** The names an `export { … }` list exports (`a as b` exports b). */
function exportedNames(source: string): string[] {
  const names = new Set<string>()
  for (const [, list] of source.matchAll(/export\s+(?:type\s+)?\{([^}]*)\}/g))
    for (const entry of (list ?? '').split(',')) {
      const name = (
        entry
          .trim()
          .split(/\s+as\s+/)
          .at(-1) ?? ''
      )
        .replace(/^type\s+/, '')
        .trim()
      if (name) names.add(name)
    }
  return [...names]
}

/** The public members of `export default class <name>`: fields, getters/setters, methods, the constructor. */
function classMembers(source: string, name: string): string[] {
  const body = new RegExp(`export default class ${name}\\b[^{]*\\{\\n([\\s\\S]*?)\\n\\}`).exec(source)?.[1]
  if (body === undefined) throw new Error(`class ${name} not found`)
  const names = new Set<string>()
  for (const line of withoutDocComments(body).split('\n')) {
    if (/^ {4}(private|protected) [A-Za-z_$]/.test(line)) continue
    const member = /^ {4}(?:(?:get|set|static|readonly) )?([A-Za-z_$][\w$]*)\??\s*[(:<;]/.exec(line)?.[1]
    if (member) names.add(member)
  }
  return [...names]
}

/** The keys of `export type <name> = { … }`. */
function typeKeys(source: string, name: string): string[] {
  const body = new RegExp(`export type ${name} = \\{\\n([\\s\\S]*?)\\n\\};`).exec(source)?.[1]
  if (body === undefined) throw new Error(`type ${name} not found`)
  return [...withoutDocComments(body).matchAll(/^ {4}([A-Za-z_$][\w$]*)\??:/gm)].map((m) => m[1]!)
}

/** The README's name-by-name tables: heading (without backticks) → rows [name, verdict]. */
function readmeTables(): Map<string, Array<[string, string]>> {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const section = readme.split('### Name by name')[1]?.split(/\n## /)[0]
  if (section === undefined) throw new Error('README: no "Name by name" section')
  const tables = new Map<string, Array<[string, string]>>()
  for (const part of section.split('\n#### ').slice(1)) {
    const [heading = '', ...lines] = part.split('\n')
    const rows = lines
      .filter((line) => line.startsWith('| `'))
      .map((line) => {
        const [, name = '', verdict = ''] = line.split('|').map((cell) => cell.trim())
        return [name.replace(/`/g, ''), verdict] as [string, string]
      })
    tables.set(heading.replace(/`/g, '').trim(), rows)
  }
  return tables
}

const client = dts('RealtimeClient.d.ts')
const THEIRS: Record<string, string[]> = {
  RealtimeClientOptions: typeKeys(client, 'RealtimeClientOptions'),
  RealtimeClient: classMembers(client, 'RealtimeClient'),
  RealtimeChannel: classMembers(dts('RealtimeChannel.d.ts'), 'RealtimeChannel'),
  RealtimePresence: classMembers(dts('RealtimePresence.d.ts'), 'RealtimePresence'),
  Exports: exportedNames(dts('index.d.ts')),
}
const tables = readmeTables()

describe.each(Object.keys(THEIRS))("the README's %s table", (heading) => {
  const theirs = THEIRS[heading]!
  const rows = tables.get(heading) ?? []

  test('lists every name realtime-js has, and only those', () => {
    expect(theirs.length).toBeGreaterThan(2) // the parse found them
    const listed = rows.map(([name]) => name)
    expect({
      missing: theirs.filter((name) => !listed.includes(name)),
      unknown: listed.filter((name) => !theirs.includes(name)),
      twice: listed.filter((name, i) => listed.indexOf(name) !== i),
    }).toEqual({ missing: [], unknown: [], twice: [] })
  })

  test('gives each one "same", "better (why)" or "not supported (why)"', () => {
    const verdict = /^(same|better \(.+\)|not supported \(.+\))/
    expect(rows.filter(([, text]) => !verdict.test(text))).toEqual([])
  })
})

test('the parse of realtime-js finds what REALTIME-JS.md §1 lists (a broken parse would pass everything)', () => {
  expect(THEIRS.RealtimeClientOptions).toEqual(expect.arrayContaining(['accessToken', 'transport', 'sessionStorage']))
  expect(THEIRS.RealtimeClient).toEqual(expect.arrayContaining(['setAuth', 'channels', 'heartbeatTimer', 'push']))
  expect(THEIRS.RealtimeChannel).toEqual(expect.arrayContaining(['private', 'subscribe', 'copyBindings', 'state']))
  expect(THEIRS.Exports).toEqual(expect.arrayContaining(['WebSocketFactory', 'REALTIME_CHANNEL_STATES']))
})
