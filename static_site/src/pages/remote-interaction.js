// /remote-interaction?uri=…: where another instance sends its users to act on something
// of here (the subscribe template of our WebFinger), and where this instance's users land
// when they follow a channel or open a video of another instance from its address. The
// URI (a handle name@host, or a channel's or a video's address) is looked up through
// PeerTube's search, which fetches it from its server, then opened here.
import { api } from '../api.js';
import { channelPath, messagePage, watchPath } from '../components.js';
import { h } from '../dom.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

export async function remoteInteractionPage(ctx) {
  if (!(await requireUser(ctx))) return;
  const { outlet, signal } = ctx;
  const uri = (ctx.query.get('uri') || '').replace(/^acct:/, '').trim();
  setPageTitle(strings.remoteInteractionTitle);
  if (!uri) {
    messagePage(outlet, { title: strings.remoteInteractionTitle, text: strings.remoteInteractionNoUri, testId: 'remote-interaction-empty' });
    ctx.contentReady();
    return;
  }
  const status = h('p', { role: 'status', 'data-testid': 'remote-interaction-status' }, strings.remoteInteractionLooking(uri));
  outlet.append(h('section', { class: 'message-page' }, h('h1', { class: 'page-title' }, strings.remoteInteractionTitle), status));
  ctx.contentReady();
  const query = { search: uri, start: 0, count: 1 };
  const channels = await api.get('/api/v1/search/video-channels', { query, signal });
  const channel = channels?.data?.[0];
  if (channel) {
    ctx.navigate(channelPath(channel, { local: channel.isLocal !== false }), { replace: true });
    return;
  }
  const videos = await api.get('/api/v1/search/videos', { query, signal });
  const video = videos?.data?.[0];
  if (video) {
    ctx.navigate(watchPath(video), { replace: true });
    return;
  }
  status.textContent = strings.remoteInteractionNotFound(uri);
  status.setAttribute('role', 'alert');
  status.dataset.testid = 'remote-interaction-not-found';
}
