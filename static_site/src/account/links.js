// Addresses the account pages link to or return to.

/** `next` when it is a path of this site, else the home page: a login link must never send
 * the user to another site (an open redirect), nor back to the login or sign-up page. */
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  const path = next.split(/[?#]/)[0];
  return path === '/login' || path === '/signup' ? '/' : next;
}

/** A handle as one segment of a path: '@' and ':' stay as they are, as PeerTube's clients
 * send them (both are allowed in a path, and the API does not decode them). */
export function handleSegment(handle) {
  return encodeURIComponent(handle).replace(/%40/g, '@').replace(/%3A/gi, ':');
}

/** A channel's handle as PeerTube writes it: `name` here, `name@host` from elsewhere. */
export function channelHandle(channel) {
  return channel.host && channel.host !== location.host ? `${channel.name}@${channel.host}` : channel.name;
}

/** `name@host` always: how a channel is shown, and how subscriptions name it. */
export function fullHandle(channel) {
  return `${channel.name}@${channel.host || location.host}`;
}

export function channelPath(channel) {
  return `/c/${handleSegment(channelHandle(channel))}`;
}

export function channelEditPath(channel) {
  return `/manage/update/${handleSegment(channelHandle(channel))}`;
}

export const MY_CHANNELS = '/my-library/video-channels';
