// Installing a Debian package for the test run, when we can: as root with apt-get.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** @param {string} tag @param {string} cmd @param {string[]} args */
export function run(tag, cmd, args) {
  console.log(`${tag}: $ ${cmd} ${args.join(' ')}`)
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
  return result.status === 0
}

/** Installs Debian's `pkg`; false when not root, no apt-get, or the install failed. @param {string} tag @param {string} pkg */
export function aptInstall(tag, pkg) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot || !existsSync('/usr/bin/apt-get')) return false
  console.log(`${tag}: installing Debian's ${pkg} package`)
  return run(tag, 'apt-get', ['update', '-qq']) && run(tag, 'apt-get', ['install', '-y', '-qq', pkg])
}
