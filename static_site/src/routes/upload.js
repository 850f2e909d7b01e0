// Addresses of the upload pages.
import { lazy } from './lazy.js';

export default [
  { pattern: /^\/videos\/upload\/?$/, keys: [], page: lazy(() => import('../pages/upload.js'), 'uploadPage') },
  { pattern: /^\/videos\/update\/([^/]+)\/?$/, keys: ['id'], page: lazy(() => import('../pages/video-edit.js'), 'videoEditPage') },
  { pattern: /^\/my-library\/videos\/?$/, keys: [], page: lazy(() => import('../pages/my-videos.js'), 'myVideosPage') },
];
