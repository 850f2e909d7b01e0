// Addresses of the lists of videos (PeerTube's paths, so links between instances work).
import { lazy } from './lazy.js';

export default [
  { pattern: /^\/$/, page: lazy(() => import('../pages/home.js'), 'homePage') },
];
