// Client-side routing with the History API.
//
// A route is { pattern: RegExp, keys: [names], page: async (ctx) => void, bare: bool }.
// Captured groups become ctx.params (by the names in `keys`), the query string is
// ctx.query (URLSearchParams); `bare` pages (the embed) render without the site's frame.
// A page renders into ctx.outlet,
// should stop its work when ctx.signal aborts (the user navigated away), and
// calls ctx.contentReady() once its main content is laid out, so that the
// router can restore the scroll position on back/forward navigation.
import { isAbort } from './dom.js';

let current = null;

/** Goes to an address of the app (a page calls this after a form, a sign-in…). */
export function navigate(url, options) {
  if (!current) {
    location.assign(url);
    return Promise.resolve();
  }
  return current.navigate(url, options);
}

export function createRouter({ outlet, routes, notFound, renderError, onRoute = () => {} }) {
  let controller = null;

  function match(pathname) {
    for (const route of routes) {
      const m = route.pattern.exec(pathname);
      if (!m) continue;
      const params = {};
      (route.keys || []).forEach((key, i) => {
        const raw = m[i + 1];
        if (raw === undefined) return; // an optional group that did not match
        try {
          params[key] = decodeURIComponent(raw);
        } catch {
          params[key] = raw;
        }
      });
      return { page: route.page, params, bare: Boolean(route.bare) };
    }
    return null;
  }

  async function render({ focus = false, scrollY = null } = {}) {
    controller?.abort(new DOMException('Navigated away', 'AbortError'));
    controller = new AbortController();
    const { signal } = controller;
    const found = match(location.pathname);
    onRoute({ bare: Boolean(found?.bare), pathname: location.pathname });
    outlet.replaceChildren();
    outlet.removeAttribute('aria-busy');
    if (focus) outlet.focus({ preventScroll: true });
    if (scrollY === null) window.scrollTo(0, 0);

    let scrollPending = scrollY !== null;
    const ctx = {
      outlet,
      signal,
      params: found ? found.params : {},
      query: new URLSearchParams(location.search),
      navigate,
      reload: () => render({ focus: true }),
      contentReady() {
        if (scrollPending && !signal.aborted) window.scrollTo(0, scrollY);
        scrollPending = false;
      },
    };
    try {
      await (found ? found.page : notFound)(ctx);
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      console.error(error);
      outlet.replaceChildren();
      renderError(ctx, error);
    }
  }

  function rememberScroll() {
    history.replaceState({ ...(history.state || {}), scrollY: window.scrollY }, '');
  }

  function navigate(url, { replace = false } = {}) {
    const target = new URL(url, location.href);
    if (replace || target.href === location.href) {
      history.replaceState({}, '', target.href);
    } else {
      rememberScroll();
      history.pushState({}, '', target.href);
    }
    return render({ focus: true });
  }

  function onClick(event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!link || link.hasAttribute('download')) return;
    if (link.target && link.target !== '_self') return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin) return;
    // Only paths that the app knows are handled here; others (API, static
    // files, …) are left to the browser.
    if (!match(url.pathname)) return;
    if (url.pathname === location.pathname && url.search === location.search && url.hash) return;
    event.preventDefault();
    navigate(url.href);
  }

  function start() {
    if ('scrollRestoration' in history) history.scrollRestoration = 'manual';
    document.addEventListener('click', onClick);
    window.addEventListener('popstate', (event) => {
      const y = event.state && typeof event.state.scrollY === 'number' ? event.state.scrollY : 0;
      render({ focus: true, scrollY: y });
    });
    window.addEventListener('pagehide', rememberScroll);
    return render({ focus: false });
  }

  current = { start, navigate };
  return current;
}
