// The Subscribe / Unsubscribe button of a channel, for signed-in users.
import { api } from '../api.js';
import { handleSegment } from '../components.js';
import { h } from '../dom.js';
import { session } from '../session.js';
import { strings } from '../strings.js';

/**
 * A button that follows or unfollows `channel` (PeerTube's /users/me/subscriptions), with
 * the state read from /subscriptions/exist; `onChange(subscribed)` runs after each change.
 * Visitors get a link to log in instead. Errors are shown next to the button.
 */
export async function subscribeButton(channel, { signal, onChange = () => {} } = {}) {
  await session.ready;
  if (!session.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return h('a', { href: `/login?next=${next}`, class: 'button', 'data-testid': 'subscribe-login' }, strings.subscribe);
  }
  const handle = `${channel.name}@${channel.host}`;
  const answer = await api.get('/api/v1/users/me/subscriptions/exist', { query: { uris: handle }, signal });
  let subscribed = Boolean(answer?.[handle]);
  const button = h('button', { type: 'button', class: 'button subscribe-button', 'data-testid': 'subscribe-button' });
  const message = h('p', { class: 'field-error', role: 'alert' });
  function draw() {
    button.textContent = subscribed ? strings.unsubscribe : strings.subscribe;
    button.classList.toggle('button-quiet', subscribed);
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    message.textContent = '';
    try {
      if (subscribed) await api.delete(`/api/v1/users/me/subscriptions/${handleSegment(handle)}`);
      else await api.post('/api/v1/users/me/subscriptions', { json: { uri: handle } });
      subscribed = !subscribed;
      draw();
      onChange(subscribed);
    } catch (error) {
      message.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  draw();
  return h('div', { class: 'subscribe-box' }, button, message);
}
