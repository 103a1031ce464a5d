// Makes sure a PostgreSQL server install exists before the unit tests, which start throwaway
// clusters (packages/server/src/test-support/postgres.ts) to run the postgres_changes suites
// against a real PostgreSQL as well as PGlite. Order: $PG_BIN if set (it must hold initdb,
// pg_ctl and postgres), else the newest Debian /usr/lib/postgresql/<version>/bin, else initdb
// on the PATH. On a Debian machine as root with none found this installs Debian's `postgresql`
// package; otherwise it stops with a message naming PG_BIN.
import { existsSync, readdirSync, realpathSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'
import { aptInstall } from './apt.mjs'

const DEBIAN_ROOT = '/usr/lib/postgresql'
const PROGRAMS = ['initdb', 'pg_ctl', 'postgres']

/** @typedef {{ bin: string, source: 'PG_BIN' | 'debian' | 'PATH' }} PostgresLocation */

/** @param {string} dir */
function hasPrograms(dir) {
  return PROGRAMS.every((program) => existsSync(join(dir, program)))
}

/** @returns {string | undefined} the bin directory of the newest Debian PostgreSQL */
function debianBin() {
  if (!existsSync(DEBIAN_ROOT)) return undefined
  const versions = readdirSync(DEBIAN_ROOT)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .toSorted((a, b) => Number(b) - Number(a))
  return versions.map((version) => join(DEBIAN_ROOT, version, 'bin')).find(hasPrograms)
}

/** @returns {string | undefined} */
function pathBin(env = process.env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb'))) {
      // a symlink farm such as /usr/local/bin may hold initdb but not postgres: prefer the real dir
      if (hasPrograms(dir)) return dir
      const real = dirname(realpathSync(join(dir, 'initdb')))
      if (hasPrograms(real)) return real
    }
  }
  return undefined
}

/**
 * @returns {PostgresLocation | undefined}
 * @throws {Error} when PG_BIN names a directory without initdb, pg_ctl and postgres
 */
export function findPostgres(env = process.env) {
  if (env.PG_BIN) {
    if (!hasPrograms(env.PG_BIN)) {
      throw new Error(`PG_BIN=${env.PG_BIN} must be a directory holding ${PROGRAMS.join(', ')}`)
    }
    return { bin: env.PG_BIN, source: 'PG_BIN' }
  }
  const debian = debianBin()
  if (debian) return { bin: debian, source: 'debian' }
  const onPath = pathBin(env)
  return onPath ? { bin: onPath, source: 'PATH' } : undefined
}

function report() {
  const found = findPostgres()
  if (found) console.log(`ensure-postgres: using ${found.bin} (${found.source})`)
  return found
}

export function ensurePostgres() {
  if (report()) return true
  if (aptInstall('ensure-postgres', 'postgresql') && report()) return true
  console.error(
    'ensure-postgres: no PostgreSQL server could be found or installed. Install PostgreSQL (Debian: ' +
      '`apt-get install postgresql`) and set PG_BIN to the directory holding initdb, pg_ctl and postgres.',
  )
  return false
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    process.exit(ensurePostgres() ? 0 : 1)
  } catch (error) {
    console.error(`ensure-postgres: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  }
}
