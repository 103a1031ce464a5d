// Runs in the tab. The page's back/forward-cache transitions: a page frozen in the bfcache
// must let go of its worker (a frozen tab would hold the worker's queue for it), and one
// restored from it must come back the way a recovery does. And its visibility: a hidden page's
// events are batched by the worker and its probe paused (decision 81).

/**
 * Calls `hide(persisted)` on pagehide, `show()` on a pageshow from the back/forward cache, and `visible(hidden)` now
 * and on each visibilitychange (document.visibilityState); returns the unlisten.
 */
export function onPageTransitions(
  hide: (persisted: boolean) => void,
  show: () => void,
  visible: (hidden: boolean) => void = () => {},
): () => void {
  const g = globalThis as { document?: Document } & typeof globalThis
  if (typeof g.addEventListener !== 'function') return () => {}
  const doc = g.document
  const onHide = (event: Event) => hide((event as PageTransitionEvent).persisted === true)
  const onShow = (event: Event) => (event as PageTransitionEvent).persisted === true && show()
  const onVisibility = () => visible(doc?.visibilityState === 'hidden')
  g.addEventListener('pagehide', onHide)
  g.addEventListener('pageshow', onShow)
  doc?.addEventListener('visibilitychange', onVisibility)
  onVisibility()
  return () => {
    g.removeEventListener('pagehide', onHide)
    g.removeEventListener('pageshow', onShow)
    doc?.removeEventListener('visibilitychange', onVisibility)
  }
}
