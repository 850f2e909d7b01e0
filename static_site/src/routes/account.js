// Addresses of the account pages (PeerTube's paths).
import { lazy } from './lazy.js';

const channelEdit = () => import('../pages/channel-edit.js');
const settings = lazy(() => import('../pages/my-settings.js'), 'settingsPage');
const about = lazy(() => import('../pages/about.js'), 'aboutPage');

export default [
  { pattern: /^\/login\/?$/, keys: [], page: lazy(() => import('../pages/login.js'), 'loginPage') },
  { pattern: /^\/signup\/?$/, keys: [], page: lazy(() => import('../pages/signup.js'), 'signupPage') },
  { pattern: /^\/my-account(?:\/settings)?\/?$/, keys: [], page: settings },
  { pattern: /^\/my-library\/video-channels\/?$/, keys: [], page: lazy(() => import('../pages/my-channels.js'), 'myChannelsPage') },
  { pattern: /^\/my-library\/subscriptions\/?$/, keys: [], page: lazy(() => import('../pages/my-subscriptions.js'), 'mySubscriptionsPage') },
  { pattern: /^\/manage\/create\/?$/, keys: [], page: lazy(channelEdit, 'channelCreatePage') },
  { pattern: /^\/manage\/(?:update\/)?([^/]+)\/?$/, keys: ['handle'], page: lazy(channelEdit, 'channelEditPage') },
  { pattern: /^\/about(?:\/instance)?\/?$/, keys: [], page: about },
];
