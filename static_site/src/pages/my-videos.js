// /my-library/videos: everything the user uploaded, in any state and privacy, with the
// quota it uses, to edit or delete.
import { api } from '../api.js';
import { errorBox, loadingIndicator, watchPath } from '../components.js';
import { h } from '../dom.js';
import { formatAbsoluteDate, formatDuration, formatRelativeDate } from '../format.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { loadQuota, quotaMeters } from '../upload/quota.js';

const PAGE_SIZE = 20;

export async function myVideosPage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.myVideosTitle);
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, strings.myVideosTitle);
  const quotaArea = h('section', { class: 'my-videos-quota', 'aria-label': strings.quotaHeading });
  const list = h('ul', { class: 'my-videos', 'data-testid': 'my-videos' });
  const status = h('p', { class: 'visually-hidden', role: 'status' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true }, strings.myVideosMore);
  const empty = h('p', { class: 'my-videos-empty', hidden: true, 'data-testid': 'my-videos-empty' }, strings.myVideosEmpty, ' ', h('a', { href: '/videos/upload' }, strings.navUpload));
  let total = 0;

  async function showQuota() {
    try {
      quotaArea.replaceChildren(quotaMeters(await loadQuota(user, { signal: ctx.signal })));
    } catch (error) {
      if (!ctx.signal.aborted) quotaArea.replaceChildren(errorBox(error));
    }
  }

  async function remove(video, row, button) {
    if (!confirm(strings.myVideosDeleteConfirm(video.name))) return;
    button.disabled = true;
    try {
      await api.delete(`/api/v1/videos/${encodeURIComponent(video.uuid)}`);
    } catch (error) {
      button.disabled = false;
      row.append(errorBox(error));
      return;
    }
    // Focus would be lost with the row: it goes to the next row, or the heading.
    const next = row.nextElementSibling?.querySelector('.my-video-title a') || heading;
    row.remove();
    total -= 1;
    empty.hidden = total > 0;
    status.textContent = strings.myVideosDeleted(video.name);
    next.focus();
    showQuota();
  }

  function row(video) {
    const deleteButton = h('button', { type: 'button', class: 'button button-quiet upload-danger', 'data-testid': 'my-video-delete' }, strings.myVideosDelete);
    const item = h(
      'li',
      { class: 'my-video', 'data-testid': 'my-video' },
      h(
        'a',
        { href: watchPath(video), class: 'my-video-thumb', tabindex: '-1', 'aria-hidden': 'true' },
        video.thumbnailPath ? h('img', { src: video.thumbnailPath, alt: '', loading: 'lazy', width: '160', height: '90' }) : h('span', { class: 'my-video-placeholder' }),
        video.duration ? h('span', { class: 'my-video-duration' }, formatDuration(video.duration)) : null,
      ),
      h(
        'div',
        { class: 'my-video-body' },
        h('h2', { class: 'my-video-title' }, h('a', { href: watchPath(video), 'data-testid': 'my-video-link' }, video.name)),
        h(
          'p',
          { class: 'my-video-meta' },
          h('span', { class: 'my-video-badge', 'data-testid': 'my-video-state' }, video.state?.label || ''),
          h('span', { class: 'my-video-badge my-video-badge-quiet', 'data-testid': 'my-video-privacy' }, video.privacy?.label || ''),
          h('span', {}, strings.views(video.views || 0)),
          h('time', { datetime: video.createdAt, title: formatAbsoluteDate(video.createdAt) }, formatRelativeDate(video.createdAt)),
        ),
      ),
      h(
        'div',
        { class: 'my-video-actions' },
        video.isLive &&
          h('a', { href: `/videos/live/${encodeURIComponent(video.shortUUID || video.uuid)}`, class: 'button button-quiet', 'data-testid': 'my-video-stream', 'aria-label': strings.myVideosStreamLabel(video.name) }, strings.myVideosStream),
        h('a', { href: `/videos/update/${encodeURIComponent(video.shortUUID || video.uuid)}`, class: 'button button-quiet', 'data-testid': 'my-video-edit', 'aria-label': strings.myVideosEditLabel(video.name) }, strings.myVideosEdit),
        deleteButton,
      ),
    );
    deleteButton.setAttribute('aria-label', strings.myVideosDeleteLabel(video.name));
    deleteButton.addEventListener('click', () => remove(video, item, deleteButton));
    return item;
  }

  async function loadPage() {
    const start = list.children.length;
    const page = await api.get('/api/v1/users/me/videos', { query: { start, count: PAGE_SIZE, sort: '-createdAt' }, signal: ctx.signal });
    total = Number(page.total) || 0;
    list.append(...(page.data || []).map(row));
    more.hidden = list.children.length >= total;
    empty.hidden = total > 0;
  }

  more.addEventListener('click', async () => {
    more.disabled = true;
    const first = list.children.length;
    try {
      await loadPage();
      list.children[first]?.querySelector('a:not([tabindex])')?.focus();
    } catch (error) {
      if (!ctx.signal.aborted) more.after(errorBox(error));
    } finally {
      more.disabled = false;
    }
  });

  ctx.outlet.append(heading, quotaArea, loadingIndicator());
  showQuota();
  try {
    await loadPage();
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.outlet.replaceChildren(heading, quotaArea, errorBox(error, { onRetry: () => ctx.reload() }));
    return;
  }
  ctx.outlet.replaceChildren(heading, quotaArea, status, empty, list, more);
  ctx.contentReady();
}
