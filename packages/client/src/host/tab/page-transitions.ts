// Runs in the tab. The page's back/forward-cache transitions: a page frozen in the bfcache
// must let go of its worker (a frozen tab would hold the worker's queue for it), and one
// restored from it must come back the way a recovery does.

/** Calls `hide(persisted)` on pagehide and `show()` on a pageshow from the back/forward cache; returns the unlisten. */
export function onPageTransitions(hide: (persisted: boolean) => void, show: () => void): () => void {
  if (typeof globalThis.addEventListener !== 'function') return () => {}
  const onHide = (event: Event) => hide((event as PageTransitionEvent).persisted === true)
  const onShow = (event: Event) => (event as PageTransitionEvent).persisted === true && show()
  globalThis.addEventListener('pagehide', onHide)
  globalThis.addEventListener('pageshow', onShow)
  return () => {
    globalThis.removeEventListener('pagehide', onHide)
    globalThis.removeEventListener('pageshow', onShow)
  }
}
