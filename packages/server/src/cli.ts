// shared-realtime-server: the dev server from the command line. `--help` lists the flags.
import { parseArgs } from 'node:util'
import { OptionsError, type ServerOptions } from './options.ts'
import { startServer } from './server.ts'

const HELP = `shared-realtime-server — a Supabase-Realtime-compatible dev server with an embedded Postgres

  --port <n>            port (default 4000; 0 picks a free one)
  --host <addr>         address (default 127.0.0.1); a non-loopback one needs --jwt-secret (the default is public)
  --allowed-host <name> also answer requests whose Host header names this host (repeatable; default: loopback
                        names and --host only, a guard against DNS rebinding)
  --allowed-origin <o>  also answer browsers on this origin, e.g. http://devbox.test:5173 (repeatable; default:
                        loopback origins, any port; requests without an Origin header, as from Node, always pass)
  --jwt-secret <s>      HS256 secret, at least 32 characters (env JWT_SECRET; default: local Supabase's)
  --data <dir>          keep the embedded database in this directory (default: in memory)
  --database-url <url>  use this PostgreSQL instead of the embedded one (env DATABASE_URL)
  --sql <file>          SQL to run at start (schema, seed)
  --policies <file>     who may use which private channel, on top of RLS on realtime.messages (.json or .mjs; see POLICIES.md)
  --admin               enable /admin/* (stats, sql, faults, restart) for the service_role key
  --demo                enable the demo app's /demo/* routes and its tables (dev only)
  --private-only        refuse public channels
  --no-limits           turn off every rate and size limit (default: Supabase's limits)
  --vsn-default <v>     serializer for clients that send no vsn: 1.0.0 (default) or 2.0.0
  --log <level>         silent | error | warn | info (default) | debug
  --help                this text
`

function fail(message: string): never {
  console.error(`shared-realtime-server: ${message}\n(run with --help for the flags)`)
  process.exit(2)
}

let values
try {
  ;({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'allowed-host': { type: 'string', multiple: true },
      'allowed-origin': { type: 'string', multiple: true },
      'jwt-secret': { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      sql: { type: 'string' },
      policies: { type: 'string' },
      admin: { type: 'boolean' },
      demo: { type: 'boolean' },
      'private-only': { type: 'boolean' },
      'no-limits': { type: 'boolean' },
      'vsn-default': { type: 'string' },
      log: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  }))
} catch (error) {
  fail(error instanceof Error ? error.message : String(error))
}
if (values.help) {
  console.log(HELP)
  process.exit(0)
}

const port = values.port === undefined ? 4000 : Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number from 0 to 65535, got "${values.port}"`)
const options: ServerOptions = {
  port,
  host: values.host ?? '127.0.0.1',
  admin: values.admin === true,
  demo: values.demo === true,
  privateOnly: values['private-only'] === true,
}
const secret = values['jwt-secret'] ?? process.env.JWT_SECRET
if (secret) options.jwtSecret = secret
const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL
if (databaseUrl) options.databaseUrl = databaseUrl
if (values['allowed-host']) options.allowedHosts = values['allowed-host']
if (values['allowed-origin']) options.allowedOrigins = values['allowed-origin']
if (values.data) options.dataDir = values.data
if (values.sql) options.sql = { file: values.sql }
if (values.policies) options.policies = values.policies
if (values['no-limits']) options.limits = false
if (values['vsn-default']) options.vsnDefault = values['vsn-default'] as ServerOptions['vsnDefault']
if (values.log) options.log = values.log as ServerOptions['log']

try {
  const server = await startServer(options)
  console.log(`realtime: ${server.httpUrl}  (clients: new RealtimeClient('${server.url}', { params: { apikey } }))`)
  console.log(`anon key: ${server.keys.anon}`)
  console.log(`service_role key: ${server.keys.service_role}`)
  if (options.demo) console.log(`demo routes: ${server.httpUrl}/demo/* (POST /demo/guest { name } for a token)`)
  if (options.admin) console.log(`admin: ${server.httpUrl}/admin/stats (Authorization: Bearer <service_role key>)`)
  const stop = () => void server.close().then(() => process.exit(0))
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
} catch (error) {
  if (error instanceof OptionsError) fail(error.message)
  throw error
}
