// Home page: a row of each list (lives streaming now, shown only when there are some;
// recently added, trending, local) with a link to the whole list, and the categories.
import { api, listVideos } from '../api.js';
import { errorBox, loadingIndicator, videoCard } from '../components.js';
import { h, isAbort } from '../dom.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { pageHeading, viewerFilters } from '../browse/lists.js';
import { categoryChips } from '../browse/categories.js';

const SECTION_SIZE = 8;

const SECTIONS = [
  { id: 'live', title: () => strings.homeLive, href: '/videos/lives', query: { sort: '-publishedAt', isLive: true }, onlyIfAny: true },
  { id: 'recent', title: () => strings.navRecent, href: '/videos/recently-added', query: { sort: '-publishedAt' } },
  { id: 'trending', title: () => strings.navTrending, href: '/videos/trending', query: { sort: '-trending' } },
  { id: 'local', title: () => strings.navLocal, href: '/videos/local', query: { sort: '-publishedAt', isLocal: true } },
];

function section({ id, title, href, onlyIfAny = false }) {
  const headingId = `home-${id}`;
  const body = h('div', { class: 'home-section-body' }, loadingIndicator());
  const element = h(
    'section',
    { class: 'home-section', 'aria-labelledby': headingId, 'data-testid': `home-section-${id}`, hidden: onlyIfAny },
    h(
      'div',
      { class: 'section-head' },
      h('h2', { id: headingId, class: 'section-title' }, title()),
      h('a', { href, class: 'section-more', 'data-testid': `more-${id}` }, strings.browseMore, h('span', { class: 'visually-hidden' }, `: ${title()}`)),
    ),
    body,
  );
  return { element, body };
}

export async function homePage(ctx) {
  const { outlet, signal } = ctx;
  setPageTitle('');
  const filters = await viewerFilters();
  const chips = h('div', { class: 'home-categories' });
  const sections = SECTIONS.map((spec) => ({ spec, ...section(spec) }));
  outlet.append(
    pageHeading(strings.homeTitle, { class: 'page-title visually-hidden' }),
    ...sections.map((s) => s.element),
    h('section', { class: 'home-section', 'aria-labelledby': 'home-categories' }, h('h2', { id: 'home-categories', class: 'section-title' }, strings.categoriesTitle), chips),
  );

  async function fill({ spec, element, body }) {
    try {
      const page = await listVideos({ ...filters.query, ...spec.query, start: 0, count: SECTION_SIZE }, { signal });
      const videos = Array.isArray(page?.data) ? page.data : [];
      if (spec.onlyIfAny) element.hidden = videos.length === 0;
      body.replaceChildren(
        videos.length === 0
          ? h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, strings.noVideos)
          : h('ul', { class: 'video-grid', 'aria-label': spec.title(), 'data-testid': 'video-grid' }, videos.map((v) => videoCard(v, { blur: filters.blur }))),
      );
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      if (spec.onlyIfAny) return;
      body.replaceChildren(errorBox(error, { onRetry: () => fill({ spec, element, body }) }));
    }
  }

  const loadingChips = api
    .get('/api/v1/videos/categories', { signal })
    .then((categories) => chips.append(categoryChips(categories, null)))
    .catch((error) => {
      if (!isAbort(error)) chips.append(errorBox(error));
    });
  await Promise.all(sections.map(fill));
  ctx.contentReady();
  await loadingChips;
}
