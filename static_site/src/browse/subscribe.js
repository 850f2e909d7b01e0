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
  const handle = `${channel.name}@${channel.host}`;
  if (!session.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    return h(
      'div',
      { class: 'subscribe-box' },
      h('a', { href: `/login?next=${next}`, class: 'button', 'data-testid': 'subscribe-login' }, strings.subscribe),
      remoteSubscribe(handle),
    );
  }
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

/**
 * For visitors with an account on another instance: their instance's address, then its
 * remote-interaction page for this channel (PeerTube's "subscribe with a remote account").
 * Nothing is sent anywhere until they go there themselves.
 */
function remoteSubscribe(handle) {
  const input = h('input', { type: 'text', name: 'instance', inputmode: 'url', autocomplete: 'url', placeholder: 'videos.example.org', 'data-testid': 'remote-subscribe-host' });
  const message = h('p', { class: 'field-error', role: 'alert' });
  const form = h(
    'form',
    { class: 'remote-subscribe', 'data-testid': 'remote-subscribe' },
    h('label', {}, strings.subscribeRemotelyHost, input),
    h('button', { type: 'submit', class: 'button button-quiet' }, strings.subscribeRemotelyGo),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const host = input.value.trim().replace(/^https?:\/\//, '').replace(/\/.*$/, '');
    if (!/^[\w.-]+(:\d+)?$/.test(host)) {
      message.textContent = strings.subscribeRemotelyInvalid;
      return;
    }
    location.assign(`${location.protocol}//${host}/remote-interaction?uri=${encodeURIComponent(handle)}`);
  });
  return h('details', { class: 'remote-subscribe-box' }, h('summary', {}, strings.subscribeRemotely), form);
}
