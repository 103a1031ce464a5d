// loadPolicies: JSON and module policy files written to a temp directory, and every bad file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PolicyError } from './errors.ts'
import { loadPolicies } from './load.ts'
import { allPermissions, noPermissions } from './permissions.ts'

let dir = ''
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'realtime-policies-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name)
  await writeFile(path, content)
  return path
}

const user = { role: 'authenticated', sub: 'u1' }
const readOnly = { broadcast: { read: true, write: false }, presence: { read: false, write: false } }

describe('loadPolicies', () => {
  it('denies everyone but service_role without a path', async () => {
    for (const path of [undefined, '']) {
      const set = await loadPolicies(path)
      expect(await set.authorize({ topic: 'room', claims: user })).toEqual(noPermissions())
      expect(await set.authorize({ topic: 'room', claims: { role: 'service_role' } })).toEqual(allPermissions())
    }
  })

  it('loads a JSON file of rules', async () => {
    const path = await file(
      'rules.json',
      JSON.stringify({ policies: [{ topic: 'user:{{sub}}', broadcast: ['read'] }] }),
    )
    const set = await loadPolicies(path)
    expect(set.source).toBe(path)
    expect(await set.authorize({ topic: 'user:u1', claims: user })).toEqual(readOnly)
    expect(await set.authorize({ topic: 'user:u2', claims: user })).toEqual(noPermissions())
  })

  it('loads a module whose default export holds rules', async () => {
    const path = await file('rules.mjs', 'export default { policies: [{ topic: "room:*", broadcast: ["read"] }] }\n')
    expect(await (await loadPolicies(path)).authorize({ topic: 'room:1', claims: user })).toEqual(readOnly)
  })

  it('loads a module whose default export is a policy function', async () => {
    const path = await file('fn.js', 'export default ({ topic, claims }) => topic === "user:" + claims.sub\n')
    const set = await loadPolicies(path)
    expect(await set.authorize({ topic: 'user:u1', claims: user })).toEqual(allPermissions())
    expect(await set.authorize({ topic: 'user:u2', claims: user })).toEqual(noPermissions())
  })

  it('logs a throwing policy function through the injected logger', async () => {
    const logs: string[] = []
    const path = await file('throws.mjs', 'export default () => { throw new Error("policy bug") }\n')
    const set = await loadPolicies(path, { logger: { error: (m) => void logs.push(m) } })
    expect(await set.authorize({ topic: 'room', claims: user })).toEqual(noPermissions())
    expect(logs).toEqual(['RlsPolicyError: policy function threw for topic "room": policy bug'])
  })

  describe('bad files', () => {
    async function rejection(path: string): Promise<PolicyError> {
      const error: unknown = await loadPolicies(path).then(
        () => undefined,
        (e: unknown) => e,
      )
      if (!(error instanceof PolicyError)) throw new Error(`expected a PolicyError, got ${String(error)}`)
      expect(error.file).toBe(path)
      return error
    }

    it('names a missing file', async () => {
      const path = join(dir, 'missing.json')
      expect((await rejection(path)).message).toMatch(new RegExp(`^Cannot read policy file ${path}: ENOENT`))
    })

    it('rejects an unsupported extension', async () => {
      const path = await file('rules.yaml', 'policies: []')
      expect((await rejection(path)).message).toBe(
        `Invalid policy file ${path}: unsupported extension ".yaml" (use .json, or .js/.mjs with a default export)`,
      )
    })

    it('rejects invalid JSON', async () => {
      const path = await file('broken.json', '{ "policies": [ }')
      expect((await rejection(path)).message).toMatch(
        new RegExp(`^Invalid policy file ${path}: not valid JSON \\(.+\\)$`),
      )
    })

    it.each([
      ['array.json', '[{"topic":"a","broadcast":["read"]}]', 'got [{"topic":"a","broadcast":["read"]}]'],
      ['typo.json', '{"policy":[]}', 'got {"policy":[]}'],
    ])('rejects %s without a policies array', async (name, content, got) => {
      const path = await file(name, content)
      expect((await rejection(path)).message).toBe(
        `Invalid policy file ${path}: expected { "policies": [ ...rules ] }, ${got}`,
      )
    })

    it('names the rule and field of an invalid rule', async () => {
      const path = await file(
        'bad-rule.json',
        JSON.stringify({
          policies: [
            { topic: 'a', broadcast: ['read'] },
            { topic: 'b', role: 7, broadcast: ['read'] },
          ],
        }),
      )
      const error = await rejection(path)
      expect(error.message).toBe(
        `Invalid policy file ${path}: policies[1].role must be a role name or a non-empty array of role names, got 7`,
      )
      expect([error.rule, error.field]).toEqual([1, 'role'])
    })

    it('rejects a module without a default export', async () => {
      const path = await file('named.mjs', 'export const policies = []\n')
      expect((await rejection(path)).message).toBe(
        `Invalid policy file ${path}: no default export; write \`export default { policies: [...] }\` or \`export default (request) => ...\``,
      )
    })

    it('reports a module that fails to load', async () => {
      const path = await file('crash.mjs', 'throw new Error("cannot start")\n')
      expect((await rejection(path)).message).toBe(`Cannot load policy module ${path}: cannot start`)
    })
  })
})
