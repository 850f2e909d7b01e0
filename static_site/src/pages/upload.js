// /videos/upload: choose or drop one or several video or sound files; each goes straight
// to S3 with its own progress, while its details are filled in, then is followed until
// published. Uploads a reload interrupted are offered again, to resume with the same file.
import { getConfig } from '../api.js';
import { errorBox, loadingIndicator } from '../components.js';
import { h } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { loadChoices, options } from '../upload/details.js';
import { fileProblem, formatBytes } from '../upload/files.js';
import { refusedItem, uploadItem } from '../upload/item.js';
import { loadQuota, roomLeft } from '../upload/quota.js';
import { TransferState, discardUnfinished, unfinishedUploadOf, unfinishedUploads } from '../upload/transfer.js';

const BUSY = [TransferState.STARTING, TransferState.UPLOADING, TransferState.RETRYING, TransferState.COMPLETING];

export async function uploadPage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.uploadTitle);
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, strings.uploadTitle);
  ctx.outlet.append(heading, loadingIndicator());

  let config, choices, quota;
  try {
    [config, choices, quota] = await Promise.all([getConfig(), loadChoices(), loadQuota(user, { signal: ctx.signal })]);
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.outlet.replaceChildren(heading, errorBox(error, { onRetry: () => ctx.reload() }));
    return;
  }
  const extensions = config?.video?.file?.extensions || [];
  const channels = user.videoChannels || [];
  const items = [];
  let reserved = 0; // bytes of the files sent during this visit, not yet in `quota`

  const channelSelect = h(
    'select',
    { id: 'upload-channel', 'data-testid': 'upload-channel' },
    channels.map((c) => h('option', { value: String(c.id) }, c.displayName || c.name)),
  );
  const privacySelect = h('select', { id: 'upload-privacy', 'data-testid': 'upload-privacy' }, options(choices.privacies, 1, { empty: null, sort: false }));
  const input = h('input', {
    type: 'file',
    id: 'upload-input',
    class: 'visually-hidden',
    multiple: true,
    accept: extensions.join(','),
    'data-testid': 'upload-input',
    'aria-describedby': 'upload-formats',
  });
  const list = h('div', { class: 'upload-list', 'data-testid': 'upload-list' });
  const room = () => roomLeft(quota) - reserved;

  async function addFiles(files) {
    // With several files, the details of the first are open and the others folded.
    const firstNew = items.length;
    for (const file of files) {
      const problem = await fileProblem(file, { extensions, room: room() });
      if (problem) {
        list.prepend(refusedItem(file, problem));
        continue;
      }
      reserved += file.size;
      const item = uploadItem({
        file,
        username: user.username,
        channelId: Number(channelSelect.value),
        privacy: Number(privacySelect.value),
        choices,
        resumeRecord: unfinishedUploadOf(file, user.username),
        openDetails: items.length === firstNew,
        onRefused(element, error) {
          reserved -= file.size;
          items.splice(items.indexOf(item), 1);
          element.replaceWith(refusedItem(file, error.message));
        },
      });
      items.push(item);
      list.append(item.element);
    }
    renderUnfinished();
    items[firstNew]?.element.querySelector('details[open] [data-testid="details-name"]')?.focus();
  }

  input.addEventListener('change', () => {
    addFiles([...input.files]);
    input.value = '';
  });

  const zone = h(
    'div',
    { class: 'drop-zone', 'data-testid': 'drop-zone' },
    input,
    h('p', { class: 'drop-zone-text' }, strings.uploadDropHere),
    h('label', { for: 'upload-input', class: 'button drop-zone-button' }, strings.uploadChoose),
    h('p', { class: 'details-hint', id: 'upload-formats' }, strings.uploadFormats(extensions.join(', '))),
  );
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('drop-zone-over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('drop-zone-over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('drop-zone-over');
    addFiles([...(event.dataTransfer?.files || [])]);
  });

  const unfinished = h('section', { class: 'upload-unfinished', 'aria-labelledby': 'upload-unfinished-title', 'data-testid': 'upload-unfinished' });
  function renderUnfinished() {
    const started = new Set(items.map((i) => i.transfer.video?.uuid));
    const records = unfinishedUploads(user.username).filter((r) => !started.has(r.uuid));
    unfinished.hidden = records.length === 0;
    unfinished.replaceChildren(
      h('h2', { id: 'upload-unfinished-title' }, strings.uploadUnfinishedTitle),
      h('p', {}, strings.uploadUnfinishedHint),
      h(
        'ul',
        {},
        records.map((record) =>
          h(
            'li',
            { 'data-testid': 'unfinished-upload' },
            h('span', {}, strings.uploadUnfinishedItem(record.name, record.filename, formatBytes(record.size))),
            ' ',
            h(
              'button',
              {
                type: 'button',
                class: 'button button-quiet',
                async onclick(event) {
                  event.currentTarget.disabled = true;
                  await discardUnfinished(record).catch(() => {});
                  renderUnfinished();
                },
              },
              strings.uploadDiscard,
            ),
          ),
        ),
      ),
    );
  }
  renderUnfinished();

  const quotaNote =
    roomLeft(quota) === Infinity
      ? null
      : h('p', { class: 'details-hint', 'data-testid': 'upload-quota' }, strings.uploadRoomLeft(formatBytes(Math.max(0, roomLeft(quota)))));

  ctx.outlet.replaceChildren(
    heading,
    config?.live?.enabled ? h('p', {}, h('a', { href: '/videos/live', 'data-testid': 'go-live-link' }, strings.goLiveInstead)) : '',
    channels.length === 0
      ? errorBox(new Error(strings.uploadNoChannel))
      : h(
          'section',
          { class: 'upload-start', 'aria-label': strings.uploadTitle },
          h(
            'div',
            { class: 'upload-settings' },
            h('div', { class: 'details-field' }, h('label', { for: 'upload-channel' }, strings.uploadChannel), channelSelect),
            h('div', { class: 'details-field' }, h('label', { for: 'upload-privacy' }, strings.uploadPrivacy), privacySelect),
          ),
          zone,
          quotaNote,
        ),
    unfinished,
    list,
  );
  ctx.contentReady();

  // Leaving the page: a reload or a closed tab is warned of; leaving it inside the app
  // pauses the uploads, which the page offers to resume on the next visit.
  const warn = (event) => {
    if (items.some((i) => BUSY.includes(i.transfer.state))) event.preventDefault();
  };
  window.addEventListener('beforeunload', warn);
  ctx.signal.addEventListener('abort', () => {
    window.removeEventListener('beforeunload', warn);
    for (const item of items) item.stop();
  });
}
