// `npm start`: everything a person needs to try shared-realtime, in one command: the
// dev server (packages/server, embedded Postgres, with the demo's schema, seed and
// routes) and the demo app (apps/demo), built and served (with --dev: Vite's dev server), with the supabase-js
// example (apps/supabase-example) at /supabase-example/ of the built demo.
//
//   npm start -- --port 5173 --realtime-port 4000 --admin [--dev] [--mode test]
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { register } from 'tsx/esm/api'
import { build, createServer, preview } from 'vite'

register() // the dev server is TypeScript; Node 20 cannot strip types itself

const HELP = `usage: npm start -- [--port <demo port>] [--realtime-port <dev server port>] [--admin] [--dev] [--mode <mode>] [--allowed-origin <origin>]
  --port           the demo page (default 5173; 0 picks a free port)
  --realtime-port  the dev server (default 4000; 0 picks a free port)
  --admin          enable the dev server's /admin endpoints and print the service_role key
  --dev            serve the demo with Vite's dev server (hot reload) instead of building it (no supabase-js example)
  --mode           the Vite mode of the build (default production; 'test' exposes window.__realtime)
  --allowed-origin let pages on this origin use the dev server too (repeatable), e.g. http://devbox.test:5173;
                   loopback origins (127.0.0.1, localhost, any port) always may`

/** @returns {{ port: string, 'realtime-port': string, admin: boolean, dev: boolean, mode: string, 'allowed-origin'?: string[], help: boolean }} */
function readArgs() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '5173' },
        'realtime-port': { type: 'string', default: '4000' },
        admin: { type: 'boolean', default: false },
        dev: { type: 'boolean', default: false },
        mode: { type: 'string', default: 'production' },
        'allowed-origin': { type: 'string', multiple: true },
        help: { type: 'boolean', default: false },
      },
    }).values
  } catch (error) {
    console.error(`npm start: ${error instanceof Error ? error.message : String(error)}\n${HELP}`)
    process.exit(2)
  }
}
const values = readArgs()
if (values.help) {
  console.log(HELP)
  process.exit(0)
}
/** @param {string} flag @param {string} value */
function port(flag, value) {
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    console.error(`npm start: ${flag} must be a port number from 0 to 65535, got "${value}"`)
    process.exit(2)
  }
  return n
}
const demoPort = port('--port', values.port)
const realtimePort = port('--realtime-port', values['realtime-port'])

const { startServer } = await import('@shared-realtime/server')
const realtime = await startServer({
  port: realtimePort,
  admin: values.admin,
  demo: true,
  log: 'warn',
  // the dev server answers pages on loopback origins (the demo's included); others only when listed
  ...(values['allowed-origin'] ? { allowedOrigins: values['allowed-origin'] } : {}),
})
// the demo (and the e2e lab page) read the dev server's URL and anon key from these
process.env.VITE_REALTIME_URL = realtime.url
process.env.VITE_REALTIME_ANON_KEY = realtime.keys.anon
process.env.VITE_REALTIME_HTTP_URL = realtime.httpUrl
/** The demo, built (the default) or from Vite's dev server; both serve index.html and the e2e lab.html. */
async function serveDemo() {
  if (values.dev) {
    const server = await createServer({
      configFile: 'vite.config.ts',
      server: { port: demoPort, strictPort: true, host: '127.0.0.1' },
      logLevel: 'warn',
    })
    await server.listen()
    return { httpServer: server.httpServer, close: () => server.close() }
  }
  const input = { main: 'apps/demo/index.html', lab: 'apps/demo/lab.html' }
  console.log(`building the demo (mode ${values.mode})…`)
  await build({
    configFile: 'vite.config.ts',
    mode: values.mode,
    logLevel: 'warn',
    build: { emptyOutDir: true, rollupOptions: { input } },
  })
  // the supabase-js example (apps/supabase-example), served by the same preview at /supabase-example/
  await build({
    configFile: 'apps/supabase-example/vite.config.ts',
    mode: values.mode,
    logLevel: 'warn',
    base: '/supabase-example/',
    build: {
      outDir: fileURLToPath(new URL('../apps/demo/dist/supabase-example', import.meta.url)),
      emptyOutDir: false,
    },
  })
  const server = await preview({
    configFile: 'vite.config.ts',
    mode: values.mode,
    preview: { port: demoPort, strictPort: true, host: '127.0.0.1' },
    logLevel: 'warn',
  })
  return { httpServer: server.httpServer, close: () => server.close() }
}
const demo = await serveDemo()
const address = demo.httpServer?.address()
const actualDemoPort = typeof address === 'object' && address ? address.port : demoPort

console.log('shared-realtime: open the demo URL in several tabs: they share one connection.')
console.log(`demo: http://127.0.0.1:${actualDemoPort}/`)
console.log(`realtime: ${realtime.httpUrl}  (client endpoint ${realtime.url})`)
console.log(`anon key: ${realtime.keys.anon}`)
if (values.admin) console.log(`service_role key: ${realtime.keys.service_role}`)
if (!values.dev) console.log(`supabase-js example: http://127.0.0.1:${actualDemoPort}/supabase-example/`)

let stopping = false
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    void Promise.allSettled([demo.close(), realtime.close()]).then(() => process.exit(0))
  })
}
