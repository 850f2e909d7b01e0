// Addresses of the upload pages.
import { lazy } from './lazy.js';

const goLive = () => import('../pages/go-live.js');

export default [
  { pattern: /^\/videos\/upload\/?$/, keys: [], page: lazy(() => import('../pages/upload.js'), 'uploadPage') },
  { pattern: /^\/videos\/live\/?$/, keys: [], page: lazy(goLive, 'goLivePage') },
  { pattern: /^\/videos\/live\/([^/]+)\/?$/, keys: ['id'], page: lazy(goLive, 'liveSettingsPage') },
  { pattern: /^\/videos\/update\/([^/]+)\/?$/, keys: ['id'], page: lazy(() => import('../pages/video-edit.js'), 'videoEditPage') },
  { pattern: /^\/my-library\/videos\/?$/, keys: [], page: lazy(() => import('../pages/my-videos.js'), 'myVideosPage') },
];
