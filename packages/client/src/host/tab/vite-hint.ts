// Runs in the tab, in a chunk of its own (decision 83): the text a worker's start failure gets when its URL is under
// Vite's pre-bundled dependencies, loaded only then (spawn-failure.ts).

/** Why a worker under Vite's pre-bundled deps does not load, and the fix (both names the package is installed under). */
export const VITE_DEPS_HINT =
  "its script is under Vite's pre-bundled dependencies (node_modules/.vite/deps/), where the worker file does not " +
  // the en dash parsed from its escape: one character above U+00FF would make the script two-byte (wide-chars.ts in
  // @shared-realtime/protocol, not imported here so that this chunk imports nothing)
  `exist (the Vite 5${JSON.parse('"\\u2013"') as string}7 dev server); fix: in vite.config, \`optimizeDeps: { exclude: ` +
  "['@shared-realtime/client'] }` (or `['@supabase/realtime-js']` where supabase-js's realtime-js is aliased to it)"
