// The embed page, /videos/embed/<id>: the player alone, filling the window (a `bare`
// route, inside other sites' iframes), with the viewer's P2P setting. It starts playing
// only with ?autoplay=1 (an embed should not make noise unasked), and honours ?start=. A
// live starts when its stream does and gives way to what it became when its stream stops.
import { ApiError, getVideo } from '../api.js';
import { errorBox } from '../components.js';
import { h, isAbort } from '../dom.js';
import { preferences } from '../preferences.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { playFollowingLive } from '../watch/live.js';
import { createPlayer, parseStart } from '../watch/player-ui.js';
import { waitUntilPlayable } from '../watch/state.js';

export async function embedPage(ctx) {
  const { outlet, signal, params, query } = ctx;
  const playerArea = h('div', { class: 'embed-player' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }));
  const pollNote = h('p', { class: 'poll-note', 'aria-live': 'polite' });
  const embed = h('div', { class: 'embed', 'data-testid': 'embed' }, playerArea, pollNote);
  outlet.replaceChildren(embed);

  let video;
  let prefs;
  try {
    [video, prefs] = await Promise.all([getVideo(params.id, { signal }), preferences.current()]);
  } catch (error) {
    if (isAbort(error) || signal.aborted) throw error;
    const notFound = error instanceof ApiError && error.status === 404;
    playerArea.replaceChildren(errorBox(notFound ? new Error(strings.videoNotFound) : error, { title: notFound ? strings.videoNotFoundTitle : strings.errorTitle }));
    return;
  }
  setPageTitle(video.name || '');
  const title = h('a', { class: 'embed-title', href: `/w/${video.shortUUID || video.uuid}`, target: '_blank', rel: 'noopener', 'data-testid': 'embed-title' }, video.name || '');
  embed.prepend(title);

  // A live goes round as on the watch page: waiting, playing, then what it became.
  for (;;) {
    video = await waitUntilPlayable(video, { id: params.id, signal, playerArea, pollNote });
    if (!video) return;
    if (video.notFound) {
      playerArea.replaceChildren(errorBox(new Error(strings.videoNotFound), { title: strings.videoNotFoundTitle }));
      return;
    }
    const playable = video;
    video = await playFollowingLive(params.id, playable, {
      signal,
      play(playing) {
        const view = createPlayer(playable, {
          signal: playing,
          p2p: prefs.p2pEnabled !== false,
          autoplay: query.get('autoplay') === '1' || query.get('autoplay') === 'true',
          startAt: parseStart(query.get('start')),
          sensitive: Boolean(playable.nsfw) && prefs.nsfwPolicy !== 'display',
        });
        playerArea.replaceChildren(view.root);
        ctx.contentReady();
        return view.el;
      },
    });
    if (!video) return;
  }
}
