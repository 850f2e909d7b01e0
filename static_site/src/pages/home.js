// Home page: the most recently published videos, 24 at a time.
import { listVideos } from '../api.js';
import { errorBox, loadingIndicator, videoCard } from '../components.js';
import { h, isAbort } from '../dom.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

export const PAGE_SIZE = 24;

export async function homePage(ctx) {
  const { outlet, signal } = ctx;
  setPageTitle('');

  const grid = h('ul', { class: 'video-grid', 'aria-label': strings.videoListLabel, 'data-testid': 'video-grid' });
  const status = h('div', { class: 'list-status' });
  const count = h('p', { class: 'list-count', 'aria-live': 'polite' });
  const loadMore = h(
    'button',
    { type: 'button', class: 'button load-more', 'data-testid': 'load-more', hidden: true },
    strings.loadMore,
  );
  outlet.append(
    h('h1', { class: 'page-title' }, strings.homeTitle),
    grid,
    status,
    h('div', { class: 'list-footer' }, count, loadMore),
  );

  const seen = new Set();
  let shown = 0;
  let total = 0;
  let loading = false;

  async function loadPage() {
    if (loading) return;
    loading = true;
    const first = shown === 0;
    loadMore.hidden = true;
    status.replaceChildren(loadingIndicator(first ? strings.loading : strings.loadingMore));
    grid.setAttribute('aria-busy', 'true');
    try {
      const page = await listVideos({ start: shown, count: PAGE_SIZE, sort: '-publishedAt' }, { signal });
      const videos = Array.isArray(page && page.data) ? page.data : [];
      total = Number(page && page.total) || 0;
      let firstNew = null;
      for (const video of videos) {
        // Skip repeats: the list can shift when videos are published between pages.
        const key = video.uuid || video.shortUUID || video.id;
        if (seen.has(key)) continue;
        seen.add(key);
        const card = videoCard(video);
        firstNew = firstNew || card;
        grid.append(card);
      }
      shown += videos.length;
      status.replaceChildren();
      if (grid.children.length === 0) {
        status.append(h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, strings.noVideos));
      }
      count.textContent = grid.children.length > 0 ? strings.shownOfTotal(grid.children.length, total) : '';
      loadMore.hidden = !(total > shown && videos.length > 0);
      // After "load more", move keyboard focus to the first new video.
      if (!first && firstNew) firstNew.querySelector('.card-title a')?.focus();
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      status.replaceChildren(errorBox(error, { onRetry: loadPage }));
      if (!first) loadMore.hidden = false;
    } finally {
      grid.removeAttribute('aria-busy');
      loading = false;
    }
    if (first) ctx.contentReady();
  }

  loadMore.addEventListener('click', loadPage);
  await loadPage();
}
