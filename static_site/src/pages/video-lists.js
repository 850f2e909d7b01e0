// The lists of videos: /videos/recently-added, /videos/trending, /videos/local,
// /videos/lives (streaming now) and /videos/browse?categoryOneOf=<id> (a category's videos). Where the list may hold videos
// of other instances, a toggle (kept in the URL as ?scope=local) shows the local ones only.
import { api, listVideos } from '../api.js';
import { h } from '../dom.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { categoryChips } from '../browse/categories.js';
import { pageHeading, videoList, viewerFilters } from '../browse/lists.js';

const LISTS = {
  'recently-added': { title: () => strings.navRecent, query: { sort: '-publishedAt' }, scoped: true },
  trending: { title: () => strings.navTrending, query: { sort: '-trending' }, scoped: true },
  local: { title: () => strings.navLocal, query: { sort: '-publishedAt', isLocal: true }, scoped: false },
  lives: { title: () => strings.homeLive, query: { sort: '-publishedAt', isLive: true }, scoped: true, emptyText: () => strings.noLives },
  browse: { title: () => strings.navRecent, query: { sort: '-publishedAt' }, scoped: true },
};

/** Local only / everything we know of: links, so the choice is in the URL. */
function scopeToggle(localOnly) {
  const link = (href, text, current, testId) =>
    h('li', {}, h('a', { href, class: 'chip', 'aria-current': current ? 'true' : null, 'data-testid': testId }, text));
  const url = new URL(location.href);
  url.searchParams.delete('scope');
  const all = url.pathname + url.search;
  url.searchParams.set('scope', 'local');
  const local = url.pathname + url.search;
  return h(
    'nav',
    { class: 'scope-toggle', 'aria-label': strings.scopeLabel },
    h('ul', {}, link(all, strings.scopeFederated, !localOnly, 'scope-all'), link(local, strings.scopeLocal, localOnly, 'scope-local')),
  );
}

export async function videoListPage(ctx) {
  const { outlet, signal, params, query } = ctx;
  const list = LISTS[params.list];
  const filters = await viewerFilters();
  const localOnly = list.scoped && query.get('scope') === 'local';
  const category = params.list === 'browse' ? query.get('categoryOneOf') : null;
  let title = list.title();
  let chips = null;
  if (params.list === 'browse') {
    const categories = await api.get('/api/v1/videos/categories', { signal });
    if (category) title = categories[category] || strings.unknownCategory;
    else title = strings.categoriesTitle;
    chips = categoryChips(categories, category);
  }
  setPageTitle(title);

  const requestQuery = { ...filters.query, ...list.query };
  if (localOnly) requestQuery.isLocal = true;
  if (category) requestQuery.categoryOneOf = category;
  const videos = videoList({
    signal,
    blur: filters.blur,
    label: title,
    emptyText: list.emptyText?.() || (localOnly || params.list === 'local' ? strings.noLocalVideos : strings.noVideos),
    fetchPage: (start, count) => listVideos({ ...requestQuery, start, count }, { signal }),
  });
  outlet.append(
    h('div', { class: 'list-head' }, pageHeading(title), list.scoped && scopeToggle(localOnly)),
    chips,
    videos.element,
  );
  await videos.loadFirst();
  ctx.contentReady();
}
