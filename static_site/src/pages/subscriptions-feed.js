// /videos/subscriptions: the newest videos of the channels the user follows.
import { api } from '../api.js';
import { h } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { pageHeading, videoList, viewerFilters } from '../browse/lists.js';

export async function subscriptionsFeedPage(ctx) {
  if (!(await requireUser(ctx))) return;
  const { outlet, signal } = ctx;
  setPageTitle(strings.navSubscriptions);
  const filters = await viewerFilters();
  const list = videoList({
    signal,
    blur: filters.blur,
    label: strings.navSubscriptions,
    emptyText: strings.noSubscriptionVideos,
    fetchPage: (start, count) =>
      api.get('/api/v1/users/me/subscriptions/videos', { query: { ...filters.query, sort: '-publishedAt', start, count }, signal }),
  });
  outlet.append(
    h('div', { class: 'list-head' }, pageHeading(strings.navSubscriptions), h('a', { href: '/my-library/subscriptions', class: 'section-more' }, strings.manageSubscriptions)),
    list.element,
  );
  await list.loadFirst();
  ctx.contentReady();
}
