// One file on the upload page: its transfer (progress, speed, pause, resume, cancel), the
// form of its details, then its processing until it is published.
import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { formatDuration } from '../format.js';
import { strings } from '../strings.js';
import { detailsForm, saveDetails } from './details.js';
import { formatBytes, isAudio } from './files.js';
import { publishingStatus } from './publishing.js';
import { Transfer, TransferState, forgetUpload } from './transfer.js';

let itemCount = 0;

/** The title a new video gets from its file's name (the user changes it in the form). */
export function titleFromFile(name) {
  const base = name.replace(/\.[^.]+$/, '').trim();
  const title = base.length >= 3 ? base : name;
  return (title.length >= 3 ? title : strings.uploadDefaultTitle).slice(0, 120);
}

/** An item for a file that cannot be uploaded, saying why. */
export function refusedItem(file, message) {
  const item = h(
    'article',
    { class: 'upload-item upload-refused', 'data-testid': 'upload-refused' },
    h('h2', { class: 'upload-file' }, file.name),
    h('p', { class: 'upload-error', role: 'alert', 'data-testid': 'upload-error' }, message),
  );
  item.append(h('button', { type: 'button', class: 'button button-quiet', onclick: () => item.remove() }, strings.uploadDismiss));
  return item;
}

/**
 * The item of `file`, sent to `channelId` with `privacy` (or taking up `resumeRecord`, an
 * upload an earlier visit left unfinished). Starts sending at once; its details form is
 * shown open when `openDetails`, else folded.
 * Returns { element, transfer, stop() } (stop pauses it, for when the page is left).
 */
export function uploadItem({ file, username, channelId, privacy, choices, resumeRecord, openDetails, onRefused }) {
  const audio = isAudio(file);
  const title = resumeRecord?.name || titleFromFile(file.name);
  const titleId = `upload-item-${++itemCount}`;
  const bar = h('progress', { max: '100', value: '0', 'aria-labelledby': titleId, 'data-testid': 'upload-progress' });
  const percent = h('span', { class: 'upload-percent', 'data-testid': 'upload-percent' }, strings.uploadPercent(0));
  const numbers = h('span', { class: 'upload-numbers' });
  const status = h('p', { class: 'upload-status', role: 'status', 'data-testid': 'upload-status' }, strings.uploadStarting);
  const pauseButton = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'upload-pause' }, strings.uploadPause);
  const cancelButton = h('button', { type: 'button', class: 'button button-quiet upload-danger', 'data-testid': 'upload-cancel' }, strings.uploadCancel);
  const publishing = h('div', { class: 'upload-publishing' });
  const controller = new AbortController();
  let lastState = null;
  let detailsSaved = false;
  let completing = null;

  const transfer = new Transfer(file, { username, onUpdate: render });

  function render() {
    const ratio = transfer.total ? transfer.sent / transfer.total : 0;
    const shown = Math.floor(ratio * 100);
    bar.value = shown;
    percent.textContent = strings.uploadPercent(shown);
    const parts = [strings.uploadBytes(formatBytes(transfer.sent), formatBytes(transfer.total))];
    if (transfer.state === TransferState.UPLOADING && transfer.bytesPerSecond > 0) {
      parts.push(strings.uploadSpeed(formatBytes(transfer.bytesPerSecond)));
      if (transfer.secondsLeft !== null) parts.push(strings.uploadTimeLeft(formatDuration(Math.ceil(transfer.secondsLeft))));
    }
    numbers.textContent = parts.join(' · ');
    // The status is announced: only when it changes, never at every byte.
    if (transfer.state !== lastState || transfer.state === TransferState.RETRYING) {
      lastState = transfer.state;
      status.textContent = statusText();
      item.dataset.state = transfer.state;
    }
    const active = [TransferState.UPLOADING, TransferState.RETRYING, TransferState.STARTING].includes(transfer.state);
    pauseButton.hidden = !active && transfer.state !== TransferState.PAUSED && transfer.state !== TransferState.FAILED;
    pauseButton.textContent = active ? strings.uploadPause : transfer.state === TransferState.FAILED ? strings.uploadRetry : strings.uploadResume;
    // Until the API has created the video there is nothing to pause or delete.
    pauseButton.disabled = cancelButton.disabled = transfer.state === TransferState.STARTING;
    cancelButton.hidden = [TransferState.COMPLETING, TransferState.COMPLETED, TransferState.CANCELLED].includes(transfer.state);
    if (transfer.state === TransferState.UPLOADED) finish();
  }

  function statusText() {
    switch (transfer.state) {
      case TransferState.STARTING:
        return strings.uploadStarting;
      case TransferState.UPLOADING:
        return strings.uploadSending;
      case TransferState.RETRYING:
        return navigator.onLine ? strings.uploadRetrying(transfer.retryIn) : strings.uploadOffline;
      case TransferState.PAUSED:
        return strings.uploadPaused;
      case TransferState.UPLOADED:
        return audio && !detailsSaved ? strings.uploadAudioWaiting : strings.uploadUploaded;
      case TransferState.COMPLETING:
        return strings.uploadCompleting;
      case TransferState.COMPLETED:
        return strings.uploadComplete;
      case TransferState.CANCELLED:
        return strings.uploadCancelled;
      case TransferState.FAILED:
        return strings.uploadFailed(transfer.error?.message || '');
      default:
        return '';
    }
  }

  /** Once every part is in: join them, unless a sound file waits for its image. */
  function finish() {
    if (completing || (audio && !detailsSaved)) return;
    completing = transfer.complete().then(
      () => publishing.replaceChildren(publishingStatus(transfer.video.uuid, { signal: controller.signal })),
      () => {
        completing = null; // the transfer shows its failure; "Try again" completes again
      },
    );
  }

  pauseButton.addEventListener('click', () => {
    if (transfer.state === TransferState.PAUSED || transfer.state === TransferState.FAILED) transfer.send();
    else transfer.pause();
  });
  cancelButton.addEventListener('click', async () => {
    if (!confirm(strings.uploadCancelConfirm(file.name))) return;
    controller.abort();
    try {
      await transfer.cancel();
      item.remove();
    } catch (error) {
      status.textContent = error.message;
    }
  });

  const form = detailsForm({
    video: { name: title, privacy: { id: privacy } },
    choices,
    audio,
    submitLabel: strings.detailsSave,
    async onSubmit(values) {
      const video = await videoReady;
      await saveDetails(video.uuid, values);
      detailsSaved = true;
      if (transfer.state === TransferState.UPLOADED) {
        status.textContent = statusText();
        finish();
      }
    },
  });

  const item = h(
    'article',
    { class: 'upload-item', 'aria-labelledby': titleId, 'data-testid': 'upload-item' },
    h(
      'div',
      { class: 'upload-head' },
      h('h2', { class: 'upload-file', id: titleId }, file.name, h('span', { class: 'upload-kind' }, audio ? strings.uploadKindAudio : strings.uploadKindVideo)),
      h('div', { class: 'upload-buttons' }, pauseButton, cancelButton),
    ),
    h('div', { class: 'upload-bar' }, bar, percent),
    h('p', { class: 'upload-numbers-line' }, numbers),
    status,
    publishing,
    h('details', { class: 'upload-details', open: openDetails }, h('summary', {}, strings.uploadDetailsHeading), form.element),
  );
  render();

  const started = (async () => {
    if (resumeRecord) {
      try {
        await transfer.resume(resumeRecord);
        return;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        forgetUpload(resumeRecord.uuid);
      }
    }
    await transfer.start({ name: title, channelId, privacy });
  })();
  // `transfer.video` exists once the transfer started; a refused start replaces the item.
  const videoReady = started.then(() => transfer.video);
  videoReady.catch((error) => onRefused(item, error));

  return {
    element: item,
    transfer,
    stop() {
      controller.abort();
      transfer.pause();
    },
  };
}
