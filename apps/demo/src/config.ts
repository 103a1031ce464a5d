// Where the dev server is. Built in from VITE_REALTIME_URL / VITE_REALTIME_HTTP_URL /
// VITE_REALTIME_ANON_KEY (set by `npm start`). Dev and test builds also take
// `?realtime=http://host:port` (the dev server's HTTP URL): e2e tests point a page at a
// dev server they start, kill and restart themselves.
const query = new URLSearchParams(location.search)
const override = import.meta.env.DEV || import.meta.env.MODE === 'test' ? query.get('realtime') : null
if (override !== null && !/^https?:\/\/[^/]+$/.test(override)) {
  throw new Error(`?realtime= must be a dev server's HTTP origin such as http://127.0.0.1:4000, got "${override}"`)
}

/** The dev server's HTTP origin (REST, /demo/* routes), no trailing slash. */
export const httpUrl = (override ?? import.meta.env.VITE_REALTIME_HTTP_URL ?? '').replace(/\/+$/, '')
/** The client endpoint, as for `new RealtimeClient(url)`. */
export const realtimeUrl: string =
  override === null ? import.meta.env.VITE_REALTIME_URL : `${override.replace(/^http/, 'ws')}/realtime/v1`
/** The project's anon key (the dev server's default one). */
export const anonKey: string = import.meta.env.VITE_REALTIME_ANON_KEY
