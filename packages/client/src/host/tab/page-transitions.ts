// Runs in the tab. The page's back/forward-cache transitions: a page frozen in the bfcache
// must let go of its worker (a frozen tab would hold the worker's queue for it), and one
// restored from it must come back the way a recovery does. And its visibility: a hidden page's
// events are batched by the worker and its probe paused (decision 77).

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

/** Whether the page is hidden (document.visibilityState); false where there is no document. */
export function pageHidden(): boolean {
  return (globalThis as { document?: { visibilityState?: string } }).document?.visibilityState === 'hidden'
}

/** Calls `changed(hidden)` on each visibilitychange of the page; returns the unlisten. */
export function onVisibility(changed: (hidden: boolean) => void): () => void {
  const doc = (globalThis as { document?: EventTarget }).document
  if (typeof doc?.addEventListener !== 'function') return () => {}
  const onChange = () => changed(pageHidden())
  doc.addEventListener('visibilitychange', onChange)
  return () => doc.removeEventListener('visibilitychange', onChange)
}
