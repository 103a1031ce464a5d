// Vitest globalSetup of the cross-engine suite: the demo's test build and the dev server, started
// as the e2e run starts them (`npm start -- --admin --mode test`, here on free ports), their URLs
// provided to the tests (`inject('demoUrl')`, `inject('realtimePort')`).
import { type ChildProcess, spawn } from 'node:child_process'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    demoUrl: string
    realtimePort: number
  }
}

let child: ChildProcess | undefined

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = spawn(
    process.execPath,
    ['scripts/start.mjs', '--port', '0', '--realtime-port', '0', '--admin', '--mode', 'test'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  child = started
  let output = ''
  const { demoUrl, realtimePort } = await new Promise<{ demoUrl: string; realtimePort: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`npm start did not print its URLs within 90 s:\n${output}`)),
      90_000,
    )
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const demo = /^demo: (http:\/\/\S+)/m.exec(output)
      const realtime = /^realtime: http:\/\/127\.0\.0\.1:(\d+)/m.exec(output)
      if (demo && realtime) {
        clearTimeout(timer)
        resolve({ demoUrl: demo[1]!, realtimePort: Number(realtime[1]) })
      }
    }
    started.stdout?.on('data', read)
    started.stderr?.on('data', read)
    started.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`npm start exited with ${code}:\n${output}`))
    })
  })
  project.provide('demoUrl', demoUrl)
  project.provide('realtimePort', realtimePort)
  return async () => {
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child?.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
    child = undefined
  }
}
