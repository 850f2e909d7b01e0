// From a whole file to a published video: follows the video's state (transcoding and its
// progress) until it is published or its transcoding failed.
import { getVideo } from '../api.js';
import { watchPath } from '../components.js';
import { h, isAbort, sleep } from '../dom.js';
import { strings } from '../strings.js';

const POLL_MS = 2000;
export const VideoState = { PUBLISHED: 1, TO_TRANSCODE: 2, TRANSCODING_FAILED: 7 };

/**
 * A status line that follows video `id` until the end of its processing (or until
 * `signal` aborts); `onPublished(video)` is called once it is.
 */
export function publishingStatus(id, { signal, onPublished = () => {} }) {
  const text = h('span', {}, strings.publishWaiting);
  const bar = h('progress', { max: '100', 'aria-label': strings.publishProgressLabel, hidden: true });
  const line = h('div', { class: 'publish-status', role: 'status', 'data-testid': 'publish-status' }, text, bar);

  function show(video) {
    const state = video.state?.id;
    if (state === VideoState.PUBLISHED) {
      line.classList.add('publish-status-done');
      line.replaceChildren(
        h('span', {}, strings.publishDone),
        ' ',
        h('a', { href: watchPath(video), class: 'button', 'data-testid': 'watch-link' }, strings.publishWatch),
      );
      return true;
    }
    if (state === VideoState.TRANSCODING_FAILED) {
      line.classList.add('publish-status-failed');
      line.replaceChildren(strings.publishFailed(video.state.description || ''));
      return true;
    }
    const progress = Number(video.transcodingProgress);
    if (state === VideoState.TO_TRANSCODE && progress > 0) {
      text.textContent = strings.publishTranscoding(Math.round(progress));
      bar.hidden = false;
      bar.value = progress;
    } else {
      text.textContent = state === VideoState.TO_TRANSCODE ? strings.publishWaiting : video.state?.label || '';
    }
    return false;
  }

  (async () => {
    for (;;) {
      try {
        const video = await getVideo(id, { signal });
        if (show(video)) {
          if (video.state?.id === VideoState.PUBLISHED) onPublished(video);
          return;
        }
      } catch (error) {
        if (isAbort(error) || signal.aborted) return;
        // A failed poll is no news: try again at the next tick.
      }
      try {
        await sleep(POLL_MS, signal);
      } catch {
        return;
      }
    }
  })();
  return line;
}
