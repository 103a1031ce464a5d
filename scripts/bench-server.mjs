// The dev server for the benchmarks, in its own process (scripts/bench.mjs spawns it), so that its
// CPU is read from /proc apart from the bench's and the browser's. Starts the server (port 0,
// admin on, limits off), prints one JSON line { url, httpUrl, keys } on stdout, and closes it when
// stdin ends (the bench exits or closes the pipe).
import { register } from 'tsx/esm/api'

register() // the dev server is TypeScript; Node 20 cannot strip types itself
const { startServer } = await import('@shared-realtime/server')
const server = await startServer({ port: 0, admin: true, limits: false, log: 'warn' })
process.stdout.write(`${JSON.stringify({ url: server.url, httpUrl: server.httpUrl, keys: server.keys })}\n`)
process.stdin.resume()
process.stdin.on('end', () => {
  void server.close().finally(() => process.exit(0))
})
