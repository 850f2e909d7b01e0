// Addresses of the lists of videos, search, channels, accounts and playlists (PeerTube's
// paths, so links between instances work).
import { lazy } from './lazy.js';

const lists = lazy(() => import('../pages/video-lists.js'), 'videoListPage');
const channel = lazy(() => import('../pages/actors.js'), 'channelPage');
const account = lazy(() => import('../pages/actors.js'), 'accountPage');
const redirect = lazy(() => import('../pages/actors.js'), 'redirectPage');
// A handle: a name, or name@host for another instance's. Optional parts are written as
// alternatives with an empty one, so that an absent part is '' (an unmatched group would
// reach the page as the text "undefined").
const HANDLE = '([^/]+)';

export default [
  { pattern: /^\/$/, page: lazy(() => import('../pages/home.js'), 'homePage') },
  { pattern: /^\/videos\/(recently-added|trending|local|lives|browse)\/?$/, keys: ['list'], page: lists },
  { pattern: /^\/videos\/subscriptions\/?$/, page: lazy(() => import('../pages/subscriptions-feed.js'), 'subscriptionsFeedPage') },
  { pattern: /^\/search\/?$/, page: lazy(() => import('../pages/search.js'), 'searchPage') },
  { pattern: new RegExp(`^/c/${HANDLE}(/videos|/video-playlists|)/?$`), keys: ['handle', 'tab'], page: channel },
  { pattern: new RegExp(`^/a/${HANDLE}(/videos|/video-channels|)/?$`), keys: ['name', 'tab'], page: account },
  { pattern: new RegExp(`^/(?:video-channels|accounts)/${HANDLE}(/videos|/video-playlists|/video-channels|)/?$`), keys: ['handle', 'rest'], page: redirect },
  { pattern: /^\/w\/p\/([^/]+)\/?$/, keys: ['id'], page: lazy(() => import('../pages/playlist.js'), 'playlistPage') },
  { pattern: /^\/videos\/watch\/playlist\/([^/]+)\/?$/, keys: ['id'], page: lazy(() => import('../pages/playlist.js'), 'playlistRedirectPage') },
  { pattern: /^\/remote-interaction\/?$/, page: lazy(() => import('../pages/remote-interaction.js'), 'remoteInteractionPage') },
  { pattern: /^\/my-library\/video-playlists\/?$/, page: lazy(() => import('../pages/my-playlists.js'), 'myPlaylistsPage') },
];
