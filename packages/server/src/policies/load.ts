// Loading a policy file: JSON (`{ "policies": [...] }`) or an ES module whose default export is
// such an object or a policy function. Every problem becomes a PolicyError naming the file.
import { readFile } from 'node:fs/promises'
import { extname, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { PolicyError } from './errors.ts'
import { describeValue } from './permissions.ts'
import {
  noPolicies,
  policiesFromFunction,
  policiesFromRules,
  type PolicyFunction,
  type PolicyOptions,
  type PolicySet,
} from './policy-set.ts'

const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs']
const EXPECTED = 'expected { "policies": [ ...rules ] }'

/**
 * The policies in `path` (relative paths resolve against the working directory). No path (undefined
 * or "") → noPolicies(): private channels denied to all but service_role. Rejects with a PolicyError
 * for a missing or unreadable file, an unsupported extension, invalid JSON, a module that fails to
 * load or has no usable default export, and any invalid rule (with its index and field).
 */
export async function loadPolicies(path?: string, options: PolicyOptions = {}): Promise<PolicySet> {
  if (path === undefined || path === '') return noPolicies()
  const file = resolve(path)
  const ext = extname(file).toLowerCase()
  if (ext === '.json') return fromDocument(await readJson(file), file, options)
  if (MODULE_EXTENSIONS.includes(ext)) return fromModule(await importModule(file), file, options)
  throw new PolicyError(
    `Invalid policy file ${file}: unsupported extension "${ext}" (use .json, or .js/.mjs with a default export)`,
    { file },
  )
}

async function readJson(file: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new PolicyError(`Cannot read policy file ${file}: ${errorText(error)}`, { file }, { cause: error })
  }
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    throw new PolicyError(
      `Invalid policy file ${file}: not valid JSON (${errorText(error)})`,
      { file },
      { cause: error },
    )
  }
}

async function importModule(file: string): Promise<Record<string, unknown>> {
  try {
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    throw new PolicyError(`Cannot load policy module ${file}: ${errorText(error)}`, { file }, { cause: error })
  }
}

function fromModule(module: Record<string, unknown>, file: string, options: PolicyOptions): PolicySet {
  const exported = module.default
  if (exported === undefined) {
    throw new PolicyError(
      `Invalid policy file ${file}: no default export; write \`export default { policies: [...] }\` or \`export default (request) => ...\``,
      { file },
    )
  }
  if (typeof exported === 'function')
    return policiesFromFunction(exported as PolicyFunction, { ...options, source: file })
  return fromDocument(exported, file, options)
}

function fromDocument(document: unknown, file: string, options: PolicyOptions): PolicySet {
  if (typeof document !== 'object' || document === null || Array.isArray(document) || !('policies' in document)) {
    throw new PolicyError(`Invalid policy file ${file}: ${EXPECTED}, got ${describeValue(document)}`, { file })
  }
  return policiesFromRules(document.policies as never, { ...options, file })
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error))
