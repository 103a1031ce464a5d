// Builds the example with @shared-realtime/client wherever supabase-js imports @supabase/realtime-js.
//
// An app does this with package.json `overrides` (the client's README, "With supabase-js"). This repository cannot:
// its npm workspaces share one node_modules, and the dev server's differential tests need the real realtime-js
// there. So the example aliases the import instead, which bundles the same code an override would install
// (docs/decisions.md 73). `npm start` builds it into the demo's output, served at /supabase-example/.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { alias: [{ find: /^@supabase\/realtime-js$/, replacement: '@shared-realtime/client' }] },
  // Vite 8 needs nothing here; Vite 5–7's dev server would pre-bundle the client away from its worker files
  optimizeDeps: { exclude: ['@supabase/realtime-js', '@shared-realtime/client'] },
})
