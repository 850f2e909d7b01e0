// My subscriptions: /my-library/subscriptions. The channels the user follows, newest first,
// a page at a time, each with "Unsubscribe".
import { api } from '../api.js';
import { statusLine } from '../account/forms.js';
import { avatar } from '../account/images.js';
import { channelPath, fullHandle } from '../account/links.js';
import { errorBox, handleSegment, loadingIndicator } from '../components.js';
import { h, isAbort } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

const PAGE_SIZE = 20;

export async function mySubscriptionsPage(ctx) {
  const { outlet, signal } = ctx;
  if (!(await requireUser(ctx))) return;
  setPageTitle(strings.acctSubscriptionsTitle);

  const status = statusLine('subscriptions-status');
  const count = h('p', { class: 'acct-hint', 'data-testid': 'subscription-count' });
  const list = h('ul', { class: 'acct-cards', 'aria-label': strings.acctSubscriptionsTitle, 'data-testid': 'subscription-list' });
  const state = h('div', {});
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true, 'data-testid': 'subscriptions-more' }, strings.acctLoadMore);
  outlet.append(
    h(
      'div',
      { class: 'acct-page' },
      h('h1', { class: 'page-title' }, strings.acctSubscriptionsTitle),
      count,
      status.element,
      list,
      state,
      h('div', { class: 'acct-buttons' }, more),
    ),
  );

  let loaded = 0;
  let total = 0;

  function drawCount() {
    list.hidden = list.children.length === 0;
    count.textContent = total ? strings.acctSubscriptionsCount(total) : '';
    if (list.children.length === 0 && loaded >= total) {
      state.replaceChildren(h('p', { class: 'acct-empty', 'data-testid': 'empty-state' }, strings.acctSubscriptionsEmpty));
    }
  }

  function item(channel) {
    const name = channel.displayName || channel.name;
    const button = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'unsubscribe', 'aria-label': strings.acctUnsubscribeFrom(name) }, strings.acctUnsubscribe);
    const element = h(
      'li',
      { class: 'acct-card', 'data-testid': 'subscription-item', 'data-channel': channel.name },
      avatar(channel.avatars, name, 64),
      h(
        'div',
        { class: 'acct-card-body' },
        h('h2', { class: 'acct-card-title' }, h('a', { href: channelPath(channel) }, name)),
        h('p', { class: 'acct-card-meta' }, fullHandle(channel)),
        channel.ownerAccount && h('p', { class: 'acct-card-meta' }, strings.acctChannelBy(channel.ownerAccount.displayName || channel.ownerAccount.name)),
      ),
      h('div', { class: 'acct-card-actions' }, button),
    );
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await api.delete(`/api/v1/users/me/subscriptions/${handleSegment(fullHandle(channel))}`);
      } catch (error) {
        button.disabled = false;
        status.show(error?.message || String(error), 'error');
        return;
      }
      // Focus moves to the next channel's button (or the previous one) so keyboard users
      // keep their place.
      const neighbour = element.nextElementSibling || element.previousElementSibling;
      element.remove();
      total -= 1;
      loaded -= 1;
      status.show(strings.acctUnsubscribed(name));
      drawCount();
      neighbour?.querySelector('button')?.focus();
    });
    return element;
  }

  async function loadPage() {
    more.hidden = true;
    state.replaceChildren(loadingIndicator());
    try {
      const page = await api.get('/api/v1/users/me/subscriptions', { query: { start: loaded, count: PAGE_SIZE, sort: '-createdAt' }, signal });
      const data = Array.isArray(page?.data) ? page.data : [];
      total = Number(page?.total) || 0;
      loaded += data.length;
      state.replaceChildren();
      list.append(...data.map(item));
      more.hidden = !(loaded < total && data.length > 0);
      drawCount();
    } catch (error) {
      if (isAbort(error) || signal.aborted) return;
      state.replaceChildren(errorBox(error, { onRetry: loadPage }));
    }
  }

  more.addEventListener('click', loadPage);
  await loadPage();
  ctx.contentReady();
}
