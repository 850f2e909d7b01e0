// What every list of videos shares: the viewer's filters (NSFW policy, languages) and a
// grid that loads page after page.
import { channelPath, errorBox, loadingIndicator, videoCard } from '../components.js';
import { h, isAbort } from '../dom.js';
import { preferences } from '../preferences.js';
import { strings } from '../strings.js';

export const PAGE_SIZE = 24;

/**
 * The viewer's list settings: `query` to add to every list request (nsfw, languageOneOf)
 * and `blur` for the cards. The policy is always sent, since a visitor's own choice may
 * differ from the instance's default that the server would otherwise apply.
 */
export async function viewerFilters() {
  const prefs = await preferences.current();
  const query = { nsfw: prefs.nsfwPolicy === 'do_not_list' ? 'false' : 'both' };
  if (Array.isArray(prefs.videoLanguages) && prefs.videoLanguages.length > 0) {
    query.languageOneOf = prefs.videoLanguages;
  }
  return { query, blur: prefs.nsfwPolicy === 'blur' };
}

/** Keeps the first occurrence of each video (lists shift when videos are published). */
function videoKey(video) {
  return video.uuid || video.shortUUID || video.id;
}

/**
 * A grid of videos with a "load more" button; the next page also loads by itself when
 * the end of the grid scrolls into view.
 *
 *   const list = videoList({ fetchPage: (start, count, signal) => api.get(…), signal, … })
 *   outlet.append(list.element); await list.loadFirst();
 *
 * fetchPage answers { total, data }; `card(item)` turns an item into a card (videos by
 * default, with `blur`); `label` names the grid for screen readers.
 */
export function videoList({
  fetchPage,
  signal,
  label = strings.videoListLabel,
  emptyText = strings.noVideos,
  blur = false,
  heading = 'h2',
  card = (video) => videoCard(video, { blur, heading }),
  key = videoKey,
  testId = 'video-grid',
  gridClass = 'video-grid',
  pageSize = PAGE_SIZE,
  countText = strings.shownOfTotal,
}) {
  const grid = h('ul', { class: gridClass, 'aria-label': label, 'data-testid': testId });
  const status = h('div', { class: 'list-status' });
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const loadMore = h(
    'button',
    { type: 'button', class: 'button load-more', 'data-testid': 'load-more', hidden: true },
    strings.loadMore,
  );
  const footer = h('div', { class: 'list-footer' }, count, loadMore);
  const element = h('div', { class: 'video-list' }, grid, status, footer);

  const seen = new Set();
  let fetched = 0;
  let total = 0;
  let loading = false;
  let more = false;
  const MARGIN = 400; // px before the end of the list at which the next page loads
  const footerNear = () => footer.getBoundingClientRect().top < window.innerHeight + MARGIN;

  async function load() {
    if (loading || signal.aborted) return;
    loading = true;
    // Whoever was on the button (clicked it, or scrolling loaded the page while it had
    // focus) goes on to the first new video, rather than to a hidden button.
    const focusNew = document.activeElement === loadMore;
    const first = fetched === 0;
    loadMore.hidden = true;
    status.replaceChildren(loadingIndicator(first ? strings.loading : strings.loadingMore));
    grid.setAttribute('aria-busy', 'true');
    try {
      const page = await fetchPage(fetched, pageSize, signal);
      const items = Array.isArray(page?.data) ? page.data : [];
      total = Number(page?.total) || 0;
      let firstNew = null;
      for (const item of items) {
        const id = key(item);
        if (seen.has(id)) continue;
        seen.add(id);
        const node = card(item);
        firstNew ||= node;
        grid.append(node);
      }
      fetched += items.length;
      status.replaceChildren();
      if (grid.children.length === 0) {
        status.append(h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, emptyText));
      }
      count.textContent = grid.children.length > 0 ? countText(grid.children.length, Math.max(total, grid.children.length)) : '';
      more = total > fetched && items.length > 0;
      loadMore.hidden = !more;
      // A click on "load more" moves keyboard focus to the first new item.
      if (focusNew && firstNew) (firstNew.querySelector('.card-title a') || firstNew.querySelector('a'))?.focus();
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      more = false; // no automatic retries: the error box offers one
      status.replaceChildren(errorBox(error, { onRetry: load }));
    } finally {
      grid.removeAttribute('aria-busy');
      loading = false;
    }
    // A page that did not fill the screen: go on without waiting for a scroll.
    if (more && !signal.aborted && footerNear()) load();
  }

  loadMore.addEventListener('click', () => {
    loadMore.focus(); // Safari does not focus a clicked button
    load();
  });
  // Infinite scrolling: the footer coming into view loads the next page.
  if ('IntersectionObserver' in window) {
    const observer = new IntersectionObserver((entries) => {
      if (more && entries[entries.length - 1].isIntersecting) load();
    }, { rootMargin: `${MARGIN}px 0px` });
    observer.observe(footer);
    signal.addEventListener('abort', () => observer.disconnect(), { once: true });
  }

  return { element, loadFirst: load };
}

/** A page's heading, focusable so that navigation can move focus to it. */
export function pageHeading(text, attrs = {}) {
  return h('h1', { class: 'page-title', tabindex: '-1', ...attrs }, text);
}

/**
 * Tabs between the sub-pages of a channel or an account: links (each its own address,
 * so back and forward work), the current one marked.
 */
export function tabs(label, items, currentHref) {
  return h(
    'nav',
    { class: 'browse-tabs', 'aria-label': label },
    h(
      'ul',
      {},
      items.map(({ href, text, testId }) =>
        h(
          'li',
          {},
          h('a', { href, class: 'browse-tab', 'aria-current': href === currentHref ? 'page' : null, 'data-testid': testId }, text),
        ),
      ),
    ),
  );
}

/** An avatar image, or the name's initial on a coloured disc. */
export function avatar(actor, size = 'medium') {
  const path = actor?.avatars?.[0]?.path;
  const name = actor?.displayName || actor?.name || '?';
  return path
    ? h('img', { src: path, alt: '', class: `avatar avatar-${size}`, loading: 'lazy' })
    : h('span', { class: `avatar avatar-${size} avatar-initial`, 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase());
}

/** A channel in a list: avatar, name (linking to its page), handle and followers. */
export function channelCard(channel, { testId = 'channel-card' } = {}) {
  const href = channelPath(channel, { local: channel.isLocal !== false });
  return h(
    'li',
    { class: 'channel-card', 'data-testid': testId },
    avatar(channel, 'medium'),
    h(
      'div',
      { class: 'channel-card-body' },
      h('h3', { class: 'channel-card-title' }, h('a', { href }, channel.displayName || channel.name)),
      h('p', { class: 'channel-card-meta' }, `@${channel.name}@${channel.host} · ${strings.followers(channel.followersCount || 0)}`),
    ),
  );
}
