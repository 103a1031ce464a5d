// `npm start`: everything a person needs to try shared-realtime, in one command.
// Today that is only the demo page (a placeholder that runs the wire codec in the
// browser): the dev server (issue #3) and the real demo app (issue #6) are not built yet.
//
//   npm start -- --port 5173
import { parseArgs } from 'node:util'
import { createServer } from 'vite'

const { values } = parseArgs({
  options: { port: { type: 'string', default: '5173' }, help: { type: 'boolean', default: false } },
})
if (values.help) {
  console.log('usage: npm start -- [--port <port>]   (0 picks a free port)')
  process.exit(0)
}
const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`npm start: --port must be a port number from 0 to 65535, got "${values.port}"`)
  process.exit(2)
}

const server = await createServer({ configFile: 'vite.config.ts', server: { port, strictPort: true, host: '127.0.0.1' }, logLevel: 'warn' })
await server.listen()
const address = server.httpServer?.address()
const actualPort = typeof address === 'object' && address ? address.port : port
console.log('shared-realtime: the dev server and the full demo are not built yet; serving the placeholder demo page only.')
console.log(`demo: http://127.0.0.1:${actualPort}/`)

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    void server.close().then(() => process.exit(0))
  })
}
