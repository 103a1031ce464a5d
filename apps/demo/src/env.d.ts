interface ImportMetaEnv {
  readonly VITE_REALTIME_URL: string
  readonly VITE_REALTIME_ANON_KEY: string
  readonly VITE_REALTIME_HTTP_URL: string
}
