// The watch page's actions on a video: like and dislike, share (link and embed code),
// download, report, save to a playlist, and subscribing to the channel. A visitor is sent
// to the login page for those that need an account.
import { api, getAll } from '../api.js';
import { h } from '../dom.js';
import { navigate } from '../router.js';
import { session } from '../session.js';
import { strings } from '../strings.js';
import { openDialog, showStatus, statusLine } from './dialog.js';
import { formatStart } from './player-ui.js';
import { formatBytes } from './stats.js';

const number = (n) => new Intl.NumberFormat().format(n);

function videoRef(video) {
  return encodeURIComponent(video.uuid || video.id);
}

/** Sends a visitor to the login page (back here afterwards); true when it did. */
function needsLogin() {
  if (session.signedIn) return false;
  navigate(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  return true;
}

function actionButton(label, testId, onclick, extra = {}) {
  return h('button', { type: 'button', class: 'button button-quiet watch-action', 'data-testid': testId, onclick, ...extra }, label);
}

/** The channel's handle as PeerTube addresses it: name, plus @host when remote. */
export function channelHandle(channel) {
  return channel.host && channel.host !== location.host ? `${channel.name}@${channel.host}` : channel.name;
}

/** Subscribe / unsubscribe button for `channel`. */
export function subscribeButton(channel, { signal }) {
  const uri = `${channel.name}@${channel.host || location.host}`;
  const status = statusLine('subscribe-status');
  const button = h('button', { type: 'button', class: 'button', 'data-testid': 'subscribe-button', 'aria-pressed': 'false' }, strings.watchSubscribe);
  let subscribed = false;
  const show = () => {
    button.textContent = subscribed ? strings.watchUnsubscribe : strings.watchSubscribe;
    button.setAttribute('aria-pressed', String(subscribed));
    button.classList.toggle('button-quiet', subscribed);
  };
  button.addEventListener('click', async () => {
    if (needsLogin()) return;
    button.disabled = true;
    try {
      if (subscribed) await api.delete(`/api/v1/users/me/subscriptions/${encodeURIComponent(uri)}`);
      else await api.post('/api/v1/users/me/subscriptions', { json: { uri } });
      subscribed = !subscribed;
      show();
      showStatus(status, subscribed ? strings.watchSubscribed : strings.watchUnsubscribed);
    } catch (error) {
      showStatus(status, error.message, { error: true });
    } finally {
      button.disabled = false;
    }
  });
  if (session.signedIn) {
    api
      .get('/api/v1/users/me/subscriptions/exist', { query: { uris: uri }, signal })
      .then((answer) => {
        subscribed = Boolean(answer?.[uri]);
        show();
      })
      .catch(() => {});
  }
  return h('span', { class: 'subscribe' }, button, status);
}

/** Like and dislike buttons with their counts; the user's rating from the server. */
function ratingButtons(video, { signal }) {
  const counts = { like: video.likes || 0, dislike: video.dislikes || 0 };
  let mine = 'none';
  const status = statusLine('rating-status');
  const make = (kind) => {
    const count = h('span', { class: 'rating-count', 'data-testid': `${kind}-count` }, number(counts[kind]));
    const button = h(
      'button',
      { type: 'button', class: `button button-quiet watch-action rating-${kind}`, 'aria-pressed': 'false', 'data-testid': `${kind}-button`, 'aria-label': strings.ratingLabel(kind, counts[kind]) },
      h('span', { class: 'rating-icon', 'aria-hidden': 'true' }),
      h('span', { 'aria-hidden': 'true' }, kind === 'like' ? strings.watchLike : strings.watchDislike),
      count,
    );
    button.addEventListener('click', () => rate(mine === kind ? 'none' : kind));
    return { button, count };
  };
  const buttons = { like: make('like'), dislike: make('dislike') };
  const show = () => {
    for (const kind of ['like', 'dislike']) {
      buttons[kind].count.textContent = number(counts[kind]);
      buttons[kind].button.setAttribute('aria-pressed', String(mine === kind));
      buttons[kind].button.setAttribute('aria-label', strings.ratingLabel(kind, counts[kind]));
    }
  };
  async function rate(next) {
    if (needsLogin()) return;
    const before = { mine, ...counts };
    if (mine !== 'none') counts[mine] -= 1;
    if (next !== 'none') counts[next] += 1;
    mine = next;
    show();
    try {
      await api.put(`/api/v1/videos/${videoRef(video)}/rate`, { json: { rating: next } });
      showStatus(status, '');
    } catch (error) {
      ({ mine } = before);
      counts.like = before.like;
      counts.dislike = before.dislike;
      show();
      showStatus(status, error.message, { error: true });
    }
  }
  if (session.signedIn) {
    // A click before the user's rating is known would count from the wrong state.
    for (const { button } of Object.values(buttons)) button.disabled = true;
    api
      .get(`/api/v1/users/me/videos/${videoRef(video)}/rating`, { signal })
      .then((answer) => {
        mine = answer?.rating || 'none';
        show();
      })
      .catch(() => {})
      .finally(() => {
        for (const { button } of Object.values(buttons)) button.disabled = false;
      });
  }
  return [buttons.like.button, buttons.dislike.button, status];
}

function copyField(label, value, testId) {
  const id = `copy-${testId}`;
  const field = h(value.length > 80 ? 'textarea' : 'input', { id, class: 'copy-field', readonly: true, 'data-testid': testId, rows: '3' });
  field.value = value;
  const status = statusLine(`${testId}-status`);
  const copy = async () => {
    field.select();
    try {
      await navigator.clipboard.writeText(field.value);
      showStatus(status, strings.shareCopied);
    } catch {
      showStatus(status, strings.shareCopyFailed, { error: true });
    }
  };
  return {
    field,
    node: h('div', { class: 'copy-row' }, h('label', { for: id }, label), h('div', { class: 'copy-box' }, field, h('button', { type: 'button', class: 'button', onclick: copy }, strings.shareCopy)), status),
  };
}

function shareDialog(video, currentTime) {
  const id = video.shortUUID || video.uuid || video.id;
  const link = `${location.origin}/w/${id}`;
  const embedUrl = `${location.origin}/videos/embed/${video.uuid || id}`;
  const embedCode = (url) =>
    `<iframe title="${(video.name || '').replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`)}" width="560" height="315" src="${url}" style="border: 0" allow="fullscreen" sandbox="allow-same-origin allow-scripts allow-popups allow-forms"></iframe>`;
  const linkField = copyField(strings.shareLink, link, 'share-link');
  const embedField = copyField(strings.shareEmbed, embedCode(embedUrl), 'share-embed');
  const startBox = h('input', { type: 'checkbox', id: 'share-start', 'data-testid': 'share-start' });
  const at = Math.floor(currentTime);
  const update = () => {
    const suffix = startBox.checked && at > 0 ? `?start=${formatStart(at)}` : '';
    linkField.field.value = link + suffix;
    embedField.field.value = embedCode(embedUrl + suffix);
  };
  startBox.addEventListener('change', update);
  openDialog({
    title: strings.shareTitle,
    testId: 'share-dialog',
    body: [
      linkField.node,
      h('p', { class: 'check-row' }, startBox, h('label', { for: 'share-start' }, strings.shareStartAt(formatStart(at)))),
      embedField.node,
      h('p', {}, h('a', { href: embedUrl, target: '_blank', rel: 'noopener', 'data-testid': 'share-embed-preview' }, strings.shareOpenEmbed)),
    ],
  });
}

function downloadDialog(files) {
  openDialog({
    title: strings.downloadTitle,
    testId: 'download-dialog',
    body: h(
      'ul',
      { class: 'download-list' },
      files.map((file) =>
        h(
          'li',
          {},
          h('a', { href: file.fileDownloadUrl || file.fileUrl, download: '', 'data-testid': 'download-link' }, strings.downloadFile(file.resolution?.label || '', formatBytes(file.size || 0))),
        ),
      ),
    ),
  });
}

function reportDialog(video, currentTime) {
  const reason = h('textarea', { id: 'report-reason', name: 'reason', required: true, minlength: '2', maxlength: '3000', rows: '4', 'data-testid': 'report-reason', 'aria-describedby': 'report-reason-error' });
  const fieldError = h('p', { id: 'report-reason-error', class: 'field-error' });
  const status = statusLine('report-status');
  const submit = h('button', { type: 'submit', class: 'button', 'data-testid': 'report-submit' }, strings.reportSubmit);
  const form = h(
    'form',
    { class: 'watch-form', novalidate: true },
    h('label', { for: 'report-reason' }, strings.reportReason),
    reason,
    fieldError,
    submit,
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fieldError.textContent = '';
    if (reason.value.trim().length < 2) {
      fieldError.textContent = strings.reportReasonTooShort;
      reason.setAttribute('aria-invalid', 'true');
      reason.focus();
      return;
    }
    reason.removeAttribute('aria-invalid');
    submit.disabled = true;
    try {
      await api.post('/api/v1/abuses', { json: { reason: reason.value.trim(), video: { id: video.id, startAt: Math.floor(currentTime) || undefined } } });
      form.replaceChildren(h('p', { role: 'status', 'data-testid': 'report-done' }, strings.reportDone));
    } catch (error) {
      fieldError.textContent = error.fieldErrors.reason || '';
      showStatus(status, error.message, { error: true });
      submit.disabled = false;
    }
  });
  openDialog({ title: strings.reportTitle, testId: 'report-dialog', body: form });
  reason.focus();
}

async function playlistDialog(video) {
  const list = h('ul', { class: 'playlist-choices', 'aria-busy': 'true' }, h('li', {}, strings.loading));
  const status = statusLine('playlist-status');
  openDialog({ title: strings.playlistTitle, testId: 'playlist-dialog', body: [list, status] });
  try {
    const [playlists, exist] = await Promise.all([
      getAll(`/api/v1/accounts/${encodeURIComponent(session.user.account?.name || session.user.username)}/video-playlists`),
      api.get('/api/v1/users/me/video-playlists/videos-exist', { query: { videoIds: video.id } }),
    ]);
    const elements = new Map((exist?.[video.id] || []).map((e) => [e.playlistId, e.playlistElementId]));
    list.removeAttribute('aria-busy');
    if (!playlists.length) {
      list.replaceChildren(h('li', {}, strings.playlistNone), h('li', {}, h('a', { href: '/my-library/video-playlists' }, strings.playlistCreate)));
      return;
    }
    list.replaceChildren(
      ...playlists.map((playlist) => {
        const id = `playlist-${playlist.id}`;
        const box = h('input', { type: 'checkbox', id, checked: elements.has(playlist.id), 'data-testid': 'playlist-choice' });
        box.addEventListener('change', async () => {
          box.disabled = true;
          try {
            if (box.checked) {
              const answer = await api.post(`/api/v1/video-playlists/${playlist.id}/videos`, { json: { videoId: video.id } });
              elements.set(playlist.id, answer?.videoPlaylistElement?.id);
              showStatus(status, strings.playlistAdded(playlist.displayName));
            } else {
              await api.delete(`/api/v1/video-playlists/${playlist.id}/videos/${elements.get(playlist.id)}`);
              elements.delete(playlist.id);
              showStatus(status, strings.playlistRemoved(playlist.displayName));
            }
          } catch (error) {
            box.checked = !box.checked;
            showStatus(status, error.message, { error: true });
          } finally {
            box.disabled = false;
          }
        });
        return h('li', { class: 'check-row' }, box, h('label', { for: id }, playlist.displayName));
      }),
    );
  } catch (error) {
    list.replaceChildren();
    showStatus(status, error.message, { error: true });
  }
}

/** The row of actions under the title. `currentTime()` gives the player's position. */
export function actionsBar(video, { signal, currentTime, files }) {
  return h(
    'div',
    { class: 'watch-actions', role: 'group', 'aria-label': strings.watchActionsLabel },
    ratingButtons(video, { signal }),
    actionButton(strings.watchShare, 'share-button', () => shareDialog(video, currentTime())),
    actionButton(strings.watchSave, 'playlist-button', () => needsLogin() || playlistDialog(video)),
    video.downloadEnabled !== false && files.length > 0 && actionButton(strings.watchDownload, 'download-button', () => downloadDialog(files)),
    actionButton(strings.watchReport, 'report-button', () => needsLogin() || reportDialog(video, currentTime())),
  );
}
