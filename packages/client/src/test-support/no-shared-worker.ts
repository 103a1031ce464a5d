// Vitest setup file of the `browser-leader` project (vite.config.ts): the test page becomes a browser without
// SharedWorker (Chrome on Android before 148, Android WebView, Samsung Internet), before any test file is loaded, so
// `host: 'auto'` there picks the leader tab and nothing can fall back to a SharedWorker by accident.

delete (globalThis as { SharedWorker?: unknown }).SharedWorker
