// /admin/moderation/blocklist/{accounts,servers} and /admin/moderation/video-blocks: what
// the instance mutes for everyone (accounts and servers) and the videos moderators
// blocked.
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
import { loadingIndicator, watchPath } from '../../components.js';
import { h } from '../../dom.js';
import { Role } from '../../session.js';
import { strings } from '../../strings.js';

const PAGE_SIZE = 20;

// The two kinds of muted things, as the server block list API names them.
const KINDS = {
  accounts: {
    path: '/api/v1/server/blocklist/accounts',
    field: 'accountName',
    name: (item) => handle(item.blockedAccount),
    label: () => strings.adminBlockAccountLabel,
    hint: () => strings.adminBlockAccountHint,
    submit: () => strings.adminBlockAccount,
    column: () => strings.adminAccount,
    empty: () => strings.adminNoBlockedAccounts,
    added: (name) => strings.adminAccountMuted(name),
    removed: (name) => strings.adminAccountUnmuted(name),
  },
  servers: {
    path: '/api/v1/server/blocklist/servers',
    field: 'host',
    name: (item) => item.blockedServer?.host || '',
    label: () => strings.adminBlockServerLabel,
    invalid: () => strings.adminHostInvalid,
    hint: () => strings.adminBlockServerHint,
    submit: () => strings.adminBlockServer,
    column: () => strings.adminServer,
    empty: () => strings.adminNoBlockedServers,
    added: (name) => strings.adminServerMuted(name),
    removed: (name) => strings.adminServerUnmuted(name),
  },
};

function tabs(current) {
  return subTabs(strings.adminBlocklistTabs, [
    ['/admin/moderation/blocklist/accounts', strings.adminTabBlockedAccounts, current === 'accounts'],
    ['/admin/moderation/blocklist/servers', strings.adminTabBlockedServers, current === 'servers'],
    ['/admin/moderation/video-blocks', strings.adminTabBlockedVideos, current === 'videos'],
  ]);
}

export async function adminBlocklistPage(ctx) {
  // The router gives an unmatched optional group as "undefined".
  const kindName = Object.hasOwn(KINDS, ctx.params.kind) ? ctx.params.kind : 'accounts';
  const kind = KINDS[kindName];
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminBlocklistTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const search = ctx.query.get('search') || '';

  const input = field({ label: kind.label(), name: kind.field, hint: kind.hint(), required: true, autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', testId: `block-${kindName}-input`, invalid: kind.invalid?.() });
  const submit = button(kind.submit(), null, { type: 'submit', testId: `block-${kindName}-submit` });
  const addForm = h('form', { class: 'admin-form admin-inline-form', novalidate: true }, input.element, h('div', { class: 'admin-actions' }, submit));
  addForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors({ input });
    const value = input.value().trim();
    if (!value) {
      input.setError(strings.adminRequired);
      input.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await api.post(kind.path, { json: { [kind.field]: value } });
      setFlash(kind.added(value));
      ctx.reload();
    } catch (error) {
      showFormError(error, { [kind.field]: input }, status);
    } finally {
      submit.disabled = false;
    }
  });

  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(tabs(kindName), addForm, searchForm(ctx, { label: strings.adminSearchBlocklist }), results);
  const page = await api.get(kind.path, { query: { start, count: PAGE_SIZE, search, sort: '-createdAt' }, signal: ctx.signal });
  const items = page.data || [];

  const unmute = (item) => {
    const name = kind.name(item);
    const control = button(strings.adminUnmute, async () => {
      if (await runAction(control, status, () => api.delete(`${kind.path}/${encodeURIComponent(name)}`))) {
        setFlash(kind.removed(name));
        ctx.reload();
      }
    }, { quiet: true, testId: 'unmute', 'aria-label': `${strings.adminUnmute} ${name}` });
    return control;
  };

  fill(results, 
    items.length === 0
      ? emptyState(kind.empty())
      : dataTable({
          caption: kind.column(),
          rowTestId: `blocked-${kindName}-row`,
          items,
          columns: [
            { title: kind.column(), cell: (item) => h('span', { class: 'admin-strong' }, kind.name(item)) },
            { title: strings.adminMutedBy, cell: (item) => handle(item.byAccount) },
            { title: strings.adminMutedOn, cell: (item) => dateCell(item.createdAt) },
            { title: strings.adminActions, className: 'admin-cell-actions', cell: unmute },
          ],
        }),
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}

export async function adminVideoBlocksPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminBlocklistTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const search = ctx.query.get('search') || '';
  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(tabs('videos'), searchForm(ctx, { label: strings.adminSearchVideoBlocks }), results);
  const page = await api.get('/api/v1/videos/blacklist', { query: { start, count: PAGE_SIZE, search, sort: '-createdAt' }, signal: ctx.signal });
  const items = page.data || [];

  const unblock = (block) => {
    const video = block.video || {};
    const control = button(strings.adminUnblock, async () => {
      const answer = await confirmDialog({ title: strings.adminUnblockVideoTitle(video.name || ''), text: strings.adminUnblockVideoText, confirmLabel: strings.adminUnblock });
      if (answer && (await runAction(control, status, () => api.delete(`/api/v1/videos/${encodeURIComponent(video.uuid || video.id)}/blacklist`)))) {
        setFlash(strings.adminVideoUnblocked(video.name || ''));
        ctx.reload();
      }
    }, { quiet: true, testId: 'unblock-video', 'aria-label': `${strings.adminUnblock} ${video.name || ''}` });
    return control;
  };

  fill(results, 
    items.length === 0
      ? emptyState(strings.adminNoBlockedVideos)
      : dataTable({
          caption: strings.adminTabBlockedVideos,
          rowTestId: 'blocked-video-row',
          items,
          columns: [
            { title: strings.adminVideo, cell: (b) => h('a', { href: watchPath(b.video || {}), class: 'admin-strong' }, b.video?.name || '') },
            { title: strings.adminBlockReason, cell: (b) => h('span', { class: 'admin-prewrap' }, b.reason || strings.adminNoReason) },
            { title: strings.adminBlockType, cell: (b) => (b.type === 2 ? strings.adminBlockAuto : strings.adminBlockManual) },
            { title: strings.adminBlockedOn, cell: (b) => dateCell(b.createdAt) },
            { title: strings.adminActions, className: 'admin-cell-actions', cell: unblock },
          ],
        }),
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}
