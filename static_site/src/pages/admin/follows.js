// /admin/follows/following-list and /admin/follows/followers-list: the instances this one
// follows and those following it, with PeerTube's /server/following and /server/followers.
import {
  adminFrame,
  fill,
  button,
  clearFieldErrors,
  confirmDialog,
  dataTable,
  dateCell,
  emptyState,
  field,
  handle,
  pager,
  runAction,
  searchForm,
  setFlash,
  showFormError,
  startFrom,
  subTabs,
} from '../../admin/common.js';
import { api } from '../../api.js';
import { loadingIndicator } from '../../components.js';
import { h } from '../../dom.js';
import { Role } from '../../session.js';
import { strings } from '../../strings.js';

const PAGE_SIZE = 20;

function followState(state) {
  return { pending: strings.adminFollowPending, accepted: strings.adminFollowAccepted, rejected: strings.adminFollowRejected }[state] || state || '';
}

/** The other side of a follow: an instance's actor is shown by its host alone. */
function actorName(actor) {
  if (!actor) return '';
  return actor.name === 'peertube' || !actor.name ? actor.host : handle(actor);
}

export async function adminFollowsPage(ctx) {
  const followers = ctx.params.list === 'followers-list';
  const frame = await adminFrame(ctx, { role: Role.ADMINISTRATOR, title: strings.adminFollowsTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const search = ctx.query.get('search') || '';
  const path = followers ? '/api/v1/server/followers' : '/api/v1/server/following';
  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(
    subTabs(strings.adminFollowsTabs, [
      ['/admin/follows/following-list', strings.adminTabFollowing, !followers],
      ['/admin/follows/followers-list', strings.adminTabFollowers, followers],
    ]),
    results,
  );

  const page = await api.get(path, { query: { start, count: PAGE_SIZE, search, sort: '-createdAt' }, signal: ctx.signal });
  const items = page.data || [];
  const table = followers ? followersTable(ctx, items, status) : followingTable(ctx, items, status);
  fill(results, 
    followers ? null : followForm(ctx, status),
    searchForm(ctx, { label: followers ? strings.adminSearchFollowers : strings.adminSearchFollowing }),
    items.length === 0 ? emptyState(followers ? strings.adminNoFollowers : strings.adminNoFollowing) : table,
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}

function followForm(ctx, status) {
  const hosts = field({ label: strings.adminFollowHosts, name: 'hosts', type: 'textarea', rows: 3, hint: strings.adminFollowHostsHint, autocapitalize: 'none', spellcheck: 'false', testId: 'follow-hosts' });
  const submit = button(strings.adminFollow, null, { type: 'submit', testId: 'follow-submit' });
  const form = h('form', { class: 'admin-form admin-inline-form', novalidate: true }, hosts.element, h('div', { class: 'admin-actions' }, submit));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors({ hosts });
    const entries = hosts.value().split(/[\s,]+/).filter(Boolean);
    if (entries.length === 0) {
      hosts.setError(strings.adminRequired);
      hosts.input.focus();
      return;
    }
    // PeerTube takes instances by host and channels or accounts by handle.
    const json = { hosts: entries.filter((e) => !e.includes('@')), handles: entries.filter((e) => e.includes('@')) };
    submit.disabled = true;
    try {
      await api.post('/api/v1/server/following', { json });
      setFlash(strings.adminFollowRequested(entries.length));
      ctx.reload();
    } catch (error) {
      showFormError(error, { hosts, handles: hosts }, status);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function followingTable(ctx, items, status) {
  const unfollow = (follow) => {
    const name = actorName(follow.following);
    const control = button(strings.adminUnfollow, async () => {
      const answer = await confirmDialog({ title: strings.adminUnfollowTitle(name), confirmLabel: strings.adminUnfollow, danger: true });
      if (answer && (await runAction(control, status, () => api.delete(`/api/v1/server/following/${encodeURIComponent(name)}`)))) {
        setFlash(strings.adminUnfollowed(name));
        ctx.reload();
      }
    }, { quiet: true, danger: true, 'aria-label': `${strings.adminUnfollow} ${name}` });
    return control;
  };
  return dataTable({
    caption: strings.adminTabFollowing,
    rowTestId: 'following-row',
    items,
    columns: [
      { title: strings.adminFollowing, cell: (f) => h('span', { class: 'admin-strong' }, actorName(f.following)) },
      { title: strings.adminState, cell: (f) => h('span', { class: `admin-badge admin-badge-follow-${f.state}` }, followState(f.state)) },
      { title: strings.adminCreated, cell: (f) => dateCell(f.createdAt) },
      { title: strings.adminActions, className: 'admin-cell-actions', cell: unfollow },
    ],
  });
}

function followersTable(ctx, items, status) {
  const act = (follow, verb) => {
    const name = handle(follow.follower);
    const labels = { accept: strings.adminAccept, reject: strings.adminReject, remove: strings.adminDelete };
    const control = button(labels[verb], async () => {
      if (verb !== 'accept') {
        const answer = await confirmDialog({ title: strings.adminFollowerConfirm(labels[verb], name), confirmLabel: labels[verb], danger: true });
        if (!answer) return;
      }
      const base = `/api/v1/server/followers/${encodeURIComponent(name)}`;
      const call = verb === 'remove' ? () => api.delete(base) : () => api.post(`${base}/${verb}`);
      if (await runAction(control, status, call)) {
        setFlash(strings.adminFollowerDone(name));
        ctx.reload();
      }
    }, { quiet: verb !== 'accept', danger: verb !== 'accept', 'aria-label': `${labels[verb]} ${name}` });
    return control;
  };
  return dataTable({
    caption: strings.adminTabFollowers,
    rowTestId: 'follower-row',
    items,
    columns: [
      { title: strings.adminFollower, cell: (f) => h('span', { class: 'admin-strong' }, handle(f.follower)) },
      { title: strings.adminState, cell: (f) => h('span', { class: `admin-badge admin-badge-follow-${f.state}` }, followState(f.state)) },
      { title: strings.adminCreated, cell: (f) => dateCell(f.createdAt) },
      {
        title: strings.adminActions,
        className: 'admin-cell-actions',
        cell: (f) => h('div', { class: 'admin-row-actions' }, f.state === 'pending' ? [act(f, 'accept'), act(f, 'reject')] : act(f, 'remove')),
      },
    ],
  });
}
