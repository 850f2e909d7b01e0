// /my-library/video-playlists: the user's playlists; create one, edit its name,
// description, privacy and channel, delete it, open it (/w/p/<id>, where its videos are
// removed and reordered).
import { api, getAll } from '../api.js';
import { errorBox } from '../components.js';
import { h } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { pageHeading } from '../browse/lists.js';
import { playlistCard } from '../browse/playlists.js';

const PRIVATE = 3;
const WATCH_LATER = 2;

let formCount = 0;

/**
 * The form that creates a playlist (no `playlist`) or edits one. Server-side refusals
 * show next to their field (PeerTube's invalid-params) or above the buttons.
 */
function playlistForm({ playlist = null, channels, privacies, onSaved, onCancel }) {
  const id = `playlist-form-${++formCount}`;
  const fieldError = (name) => h('p', { class: 'field-error', id: `${id}-${name}-error`, 'data-testid': `error-${name}` });
  const errorsOf = { displayName: fieldError('displayName'), description: fieldError('description'), privacy: fieldError('privacy'), videoChannelId: fieldError('videoChannelId') };
  const field = (name, label, control, hintText = null) => {
    control.id = `${id}-${name}`;
    control.name = name;
    const hint = hintText && h('p', { class: 'field-hint', id: `${id}-${name}-hint` }, hintText);
    control.setAttribute('aria-describedby', [hint && hint.id, `${id}-${name}-error`].filter(Boolean).join(' '));
    control.dataset.testid = `playlist-${name}`;
    return h('div', { class: 'form-field' }, h('label', { for: control.id }, label), hint, control, errorsOf[name]);
  };
  const name = h('input', { type: 'text', required: true, maxlength: '120', value: playlist?.displayName || '' });
  const description = h('textarea', { rows: '3', maxlength: '1000' }, playlist?.description || '');
  const privacyValue = String(playlist?.privacy?.id || PRIVATE);
  const privacy = h(
    'select',
    {},
    Object.entries(privacies).map(([value, label]) => h('option', { value, selected: value === privacyValue }, label)),
  );
  const channelValue = String(playlist?.videoChannel?.id || '');
  const channel = h(
    'select',
    {},
    h('option', { value: '', selected: channelValue === '' }, strings.playlistNoChannel),
    channels.map((c) => h('option', { value: String(c.id), selected: String(c.id) === channelValue }, c.displayName || c.name)),
  );
  const general = h('div', { class: 'form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button', 'data-testid': 'playlist-save' }, playlist ? strings.savePlaylist : strings.createPlaylist);
  const form = h(
    'form',
    { class: 'playlist-form', 'data-testid': playlist ? 'edit-playlist-form' : 'create-playlist-form', novalidate: true },
    field('displayName', strings.playlistName, name),
    field('description', strings.playlistDescription, description),
    field('privacy', strings.playlistPrivacy, privacy),
    field('videoChannelId', strings.playlistChannel, channel, strings.playlistChannelHint),
    general,
    h('div', { class: 'form-actions' }, submit, onCancel && h('button', { type: 'button', class: 'button button-quiet', onclick: onCancel }, strings.browseCancel)),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    for (const box of Object.values(errorsOf)) box.textContent = '';
    general.replaceChildren();
    for (const control of [name, description, privacy, channel]) control.removeAttribute('aria-invalid');
    if (!name.value.trim()) {
      errorsOf.displayName.textContent = strings.playlistNameRequired;
      name.setAttribute('aria-invalid', 'true');
      name.focus();
      return;
    }
    const body = {
      displayName: name.value.trim(),
      description: description.value.trim() || null,
      privacy: Number(privacy.value),
      videoChannelId: channel.value ? Number(channel.value) : null,
    };
    submit.disabled = true;
    try {
      if (playlist) await api.put(`/api/v1/video-playlists/${playlist.uuid}`, { json: body });
      else await api.post('/api/v1/video-playlists', { json: body });
      await onSaved(body);
    } catch (error) {
      const fields = error.fieldErrors || {};
      const controls = { displayName: name, description, privacy, videoChannelId: channel };
      let shown = false;
      for (const [key, message] of Object.entries(fields)) {
        if (!errorsOf[key]) continue;
        errorsOf[key].textContent = message;
        controls[key].setAttribute('aria-invalid', 'true');
        if (!shown) controls[key].focus();
        shown = true;
      }
      if (!shown) general.replaceChildren(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function myPlaylistsPage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  const { outlet, signal } = ctx;
  setPageTitle(strings.navMyPlaylists);
  const account = user.account?.name || user.username;
  const channels = user.videoChannels || [];
  const privacies = await api.get('/api/v1/video-playlists/privacies', { signal });

  const status = h('p', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'playlists-status' });
  const grid = h('ul', { class: 'video-grid', 'aria-label': strings.navMyPlaylists, 'data-testid': 'playlist-grid' });
  const listStatus = h('div', { class: 'list-status' });
  const createSlot = h('div', { class: 'create-slot' });
  const createButton = h('button', { type: 'button', class: 'button', 'aria-expanded': 'false', 'data-testid': 'new-playlist' }, strings.newPlaylist);
  outlet.append(
    h('div', { class: 'list-head' }, pageHeading(strings.navMyPlaylists), createButton),
    createSlot,
    status,
    h('h2', { class: 'visually-hidden' }, strings.navMyPlaylists),
    listStatus,
    grid,
  );

  function closeCreate() {
    createSlot.replaceChildren();
    createButton.setAttribute('aria-expanded', 'false');
    createButton.focus();
  }
  createButton.addEventListener('click', () => {
    if (createSlot.firstChild) return closeCreate();
    const form = playlistForm({
      channels,
      privacies,
      onCancel: closeCreate,
      async onSaved(body) {
        closeCreate();
        status.textContent = strings.playlistCreated(body.displayName);
        await refresh();
      },
    });
    createSlot.replaceChildren(h('section', { class: 'form-panel', 'aria-label': strings.newPlaylist }, h('h2', { class: 'section-title' }, strings.newPlaylist), form));
    createButton.setAttribute('aria-expanded', 'true');
    form.querySelector('input')?.focus();
  });

  function actions(playlist, card) {
    if (playlist.type?.id === WATCH_LATER) return null;
    const box = h('div', { class: 'card-actions' });
    const name = playlist.displayName;
    const edit = h('button', { type: 'button', class: 'button button-quiet button-small', 'aria-label': strings.editPlaylistLabel(name), 'data-testid': 'edit-playlist' }, strings.browseEdit);
    const remove = h('button', { type: 'button', class: 'button button-quiet button-small', 'aria-label': strings.deletePlaylistLabel(name), 'data-testid': 'delete-playlist' }, strings.browseDelete);
    const restore = () => {
      box.replaceChildren(edit, remove);
    };
    edit.addEventListener('click', () => {
      const form = playlistForm({
        playlist,
        channels,
        privacies,
        onCancel() {
          restore();
          edit.focus();
        },
        async onSaved(body) {
          status.textContent = strings.playlistSaved(body.displayName);
          await refresh();
          // The list is drawn anew: keep the keyboard on the playlist just edited.
          grid.querySelector(`[data-playlist="${playlist.id}"] [data-testid="edit-playlist"]`)?.focus();
        },
      });
      box.replaceChildren(form);
      form.querySelector('input')?.focus();
    });
    remove.addEventListener('click', () => {
      const problem = h('div', { role: 'alert' });
      const yes = h('button', { type: 'button', class: 'button button-danger button-small', 'data-testid': 'confirm-delete' }, strings.confirmDelete);
      const no = h('button', { type: 'button', class: 'button button-quiet button-small' }, strings.browseCancel);
      no.addEventListener('click', () => {
        restore();
        remove.focus();
      });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        try {
          await api.delete(`/api/v1/video-playlists/${playlist.uuid}`);
          status.textContent = strings.playlistDeleted(name);
          card.remove();
          createButton.focus();
          if (grid.children.length === 0) await refresh();
        } catch (error) {
          yes.disabled = false;
          problem.replaceChildren(errorBox(error));
        }
      });
      box.replaceChildren(h('p', { class: 'confirm-text' }, strings.deletePlaylistQuestion(name)), yes, no, problem);
      yes.focus();
    });
    restore();
    return box;
  }

  async function refresh() {
    listStatus.replaceChildren();
    try {
      const playlists = await getAll(`/api/v1/accounts/${encodeURIComponent(account)}/video-playlists`, { query: { sort: '-updatedAt' }, signal });
      grid.replaceChildren(
        ...playlists.map((playlist) => {
          const slot = h('div', { class: 'card-actions-slot' });
          const card = playlistCard(playlist, { extra: slot });
          card.dataset.playlist = String(playlist.id);
          const box = actions(playlist, card);
          if (box) slot.append(box);
          return card;
        }),
      );
      if (playlists.length === 0) listStatus.append(h('p', { class: 'empty-state', 'data-testid': 'empty-state' }, strings.noMyPlaylists));
    } catch (error) {
      listStatus.replaceChildren(errorBox(error, { onRetry: refresh }));
    }
  }

  await refresh();
  ctx.contentReady();
}
