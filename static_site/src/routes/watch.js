// Addresses of the watch page and the embed.
import { lazy } from './lazy.js';

const watch = lazy(() => import('../pages/watch.js'), 'watchPage');

export default [
  { pattern: /^\/w\/([^/]+)\/?$/, keys: ['id'], page: watch },
  { pattern: /^\/videos\/watch\/([^/]+)\/?$/, keys: ['id'], page: watch },
  { pattern: /^\/videos\/embed\/([^/]+)\/?$/, keys: ['id'], page: lazy(() => import('../pages/embed.js'), 'embedPage'), bare: true },
];
