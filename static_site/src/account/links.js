// Addresses the account pages link to or return to.
import { actorPath, handleSegment } from '../components.js';

/** `next` when it is a path of this site, else the home page: a login link must never send
 * the user to another site (an open redirect), nor back to the login or sign-up page. */
export function safeNext(next) {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  const path = next.split(/[?#]/)[0];
  return path === '/login' || path === '/signup' ? '/' : next;
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
  return actorPath('c', channel, { local: channelHandle(channel) === channel.name });
}

export function channelEditPath(channel) {
  return `/manage/update/${handleSegment(channelHandle(channel))}`;
}

export const MY_CHANNELS = '/my-library/video-channels';
