// Search: /search?search=<text> with PeerTube's filters, every one kept in the URL (so
// back, forward and shared links show the same results): languageOneOf, categoryOneOf,
// isLive, durationRange (short/medium/long), publishedDateRange (today/last_7days/
// last_30days/last_365days) and sort (-match/-publishedAt/-views). Matching channels
// are listed above the videos.
import { api } from '../api.js';
import { errorBox } from '../components.js';
import { h, isAbort } from '../dom.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { channelCard, pageHeading, videoList, viewerFilters } from '../browse/lists.js';

const CHANNELS_SHOWN = 6;

// PeerTube's buckets, in seconds.
const DURATIONS = {
  short: { durationMax: 4 * 60 },
  medium: { durationMin: 4 * 60, durationMax: 10 * 60 },
  long: { durationMin: 10 * 60 },
};
const DAY = 24 * 3600 * 1000;
const DATES = {
  today: () => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    return midnight;
  },
  last_7days: () => new Date(Date.now() - 7 * DAY),
  last_30days: () => new Date(Date.now() - 30 * DAY),
  last_365days: () => new Date(Date.now() - 365 * DAY),
};
const SORTS = ['-match', '-publishedAt', '-views'];
const FILTERS = ['languageOneOf', 'categoryOneOf', 'isLive', 'durationRange', 'publishedDateRange', 'sort'];

/** The filters as the URL holds them, unknown values dropped. */
function filtersFrom(query) {
  const get = (name, allowed) => {
    const value = query.get(name) || '';
    return !allowed || allowed.includes(value) ? value : '';
  };
  return {
    search: (query.get('search') || '').trim(),
    languageOneOf: get('languageOneOf'),
    categoryOneOf: get('categoryOneOf'),
    isLive: get('isLive', ['true', 'false']),
    durationRange: get('durationRange', Object.keys(DURATIONS)),
    publishedDateRange: get('publishedDateRange', Object.keys(DATES)),
    sort: get('sort', SORTS),
  };
}

/** The address of a search: empty filters are left out so links stay short. */
function searchUrl(filters) {
  const params = new URLSearchParams();
  params.set('search', filters.search);
  for (const name of FILTERS) if (filters[name]) params.set(name, filters[name]);
  return `/search?${params}`;
}

/** What /api/v1/search/videos is asked for these filters and this viewer. */
function apiQuery(filters, viewer) {
  const query = { ...viewer.query, search: filters.search, sort: filters.sort || '-match' };
  if (filters.languageOneOf) query.languageOneOf = filters.languageOneOf;
  if (filters.categoryOneOf) query.categoryOneOf = filters.categoryOneOf;
  if (filters.isLive) query.isLive = filters.isLive;
  Object.assign(query, DURATIONS[filters.durationRange] || {});
  if (filters.publishedDateRange) query.startDate = DATES[filters.publishedDateRange]().toISOString();
  return query;
}

function select(name, label, value, options) {
  const id = `search-filter-${name}`;
  return h(
    'div',
    { class: 'filter-field' },
    h('label', { for: id }, label),
    h(
      'select',
      { id, name, 'data-testid': id },
      options.map(([optionValue, text]) => h('option', { value: optionValue, selected: optionValue === value }, text)),
    ),
  );
}

function filterForm(filters, vocabulary, onSubmit) {
  const byLabel = (labels) => Object.entries(labels || {}).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  const form = h(
    'form',
    { class: 'search-filters', 'aria-label': strings.searchFiltersLabel, 'data-testid': 'search-filters' },
    h('input', { type: 'hidden', name: 'search', value: filters.search }),
    h(
      'div',
      { class: 'filter-grid' },
      select('sort', strings.filterSort, filters.sort, [
        ['', strings.sortRelevance],
        ['-publishedAt', strings.sortNewest],
        ['-views', strings.sortViews],
      ]),
      select('publishedDateRange', strings.filterDate, filters.publishedDateRange, [
        ['', strings.filterAny],
        ['today', strings.dateToday],
        ['last_7days', strings.dateWeek],
        ['last_30days', strings.dateMonth],
        ['last_365days', strings.dateYear],
      ]),
      select('durationRange', strings.filterDuration, filters.durationRange, [
        ['', strings.filterAny],
        ['short', strings.durationShort],
        ['medium', strings.durationMedium],
        ['long', strings.durationLong],
      ]),
      select('isLive', strings.filterType, filters.isLive, [
        ['', strings.filterAny],
        ['false', strings.typeVod],
        ['true', strings.typeLive],
      ]),
      select('categoryOneOf', strings.filterCategory, filters.categoryOneOf, [['', strings.filterAny], ...byLabel(vocabulary.categories)]),
      select('languageOneOf', strings.filterLanguage, filters.languageOneOf, [['', strings.filterAny], ...byLabel(vocabulary.languages)]),
    ),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { type: 'submit', class: 'button', 'data-testid': 'apply-filters' }, strings.applyFilters),
      h('a', { href: searchUrl({ search: filters.search }), class: 'button button-quiet', 'data-testid': 'reset-filters' }, strings.resetFilters),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    onSubmit(Object.fromEntries(['search', ...FILTERS].map((name) => [name, String(data.get(name) || '')])));
  });
  return form;
}

async function channelResults(search, signal) {
  const box = h('section', { class: 'search-channels', 'aria-labelledby': 'search-channels-title' });
  try {
    const page = await api.get('/api/v1/search/video-channels', { query: { search, start: 0, count: CHANNELS_SHOWN }, signal });
    const channels = Array.isArray(page?.data) ? page.data : [];
    if (channels.length === 0) return null;
    box.append(
      h('h2', { id: 'search-channels-title', class: 'section-title' }, strings.searchChannelsTitle),
      h('ul', { class: 'channel-list', 'data-testid': 'channel-results' }, channels.map((c) => channelCard(c, { testId: 'channel-result' }))),
    );
  } catch (error) {
    if (isAbort(error)) throw error;
    box.append(errorBox(error));
  }
  return box;
}

export async function searchPage(ctx) {
  const { outlet, signal, query } = ctx;
  const filters = filtersFrom(query);
  const title = filters.search ? strings.searchResultsFor(filters.search) : strings.searchTitle;
  setPageTitle(title);
  const heading = pageHeading(title);
  if (!filters.search) {
    outlet.append(heading, h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, strings.searchEmptyQuery));
    ctx.contentReady();
    return;
  }
  // Keep the header's search box showing what was searched.
  const box = document.querySelector('[data-testid="search-input"]');
  if (box) box.value = filters.search;

  const [viewer, categories, languages] = await Promise.all([
    viewerFilters(),
    api.get('/api/v1/videos/categories', { signal }),
    api.get('/api/v1/videos/languages', { signal }),
  ]);
  const form = filterForm(filters, { categories, languages }, (next) => ctx.navigate(searchUrl(next)));
  const active = FILTERS.some((name) => filters[name]);
  const details = h(
    'details',
    { class: 'search-filters-box', open: active || null },
    h('summary', { 'data-testid': 'filters-toggle' }, active ? strings.filtersActive : strings.filtersTitle),
    form,
  );
  const videos = videoList({
    signal,
    blur: viewer.blur,
    heading: 'h3',
    label: strings.searchVideosTitle,
    emptyText: strings.searchNoResults,
    countText: strings.resultsCount,
    fetchPage: (start, count) => api.get('/api/v1/search/videos', { query: { ...apiQuery(filters, viewer), start, count }, signal }),
  });
  const channels = channelResults(filters.search, signal);
  outlet.append(
    heading,
    details,
    h('div', { class: 'search-channels-slot' }),
    h(
      'section',
      { class: 'search-videos', 'aria-labelledby': 'search-videos-title' },
      h('h2', { id: 'search-videos-title', class: 'section-title' }, strings.searchVideosTitle),
      videos.element,
    ),
  );
  await videos.loadFirst();
  const found = await channels;
  if (found) outlet.querySelector('.search-channels-slot').replaceChildren(found);
  ctx.contentReady();
}
