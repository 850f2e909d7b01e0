// Addresses of the administration pages (PeerTube's).
import { lazy } from './lazy.js';

const users = () => import('../pages/admin/users.js');
const blocklist = () => import('../pages/admin/blocklist.js');

export default [
  { pattern: /^\/admin\/?$/, keys: [], page: lazy(users, 'adminUsersPage') },
  { pattern: /^\/admin\/settings\/?$/, keys: [], page: lazy(() => import('../pages/admin/settings.js'), 'adminSettingsPage') },
  { pattern: /^\/admin\/users(?:\/list)?\/?$/, keys: [], page: lazy(users, 'adminUsersPage') },
  { pattern: /^\/admin\/users\/create\/?$/, keys: [], page: lazy(users, 'adminCreateUserPage') },
  { pattern: /^\/admin\/users\/(?:update\/)?(\d+)\/?$/, keys: ['id'], page: lazy(users, 'adminEditUserPage') },
  { pattern: /^\/admin\/(?:moderation\/)?registrations(?:\/list)?\/?$/, keys: [], page: lazy(users, 'adminRegistrationsPage') },
  { pattern: /^\/admin\/moderation\/abuses(?:\/list)?\/?$/, keys: [], page: lazy(() => import('../pages/admin/abuses.js'), 'adminAbusesPage') },
  { pattern: /^\/admin\/moderation\/blocklist(?:\/(accounts|servers))?\/?$/, keys: ['kind'], page: lazy(blocklist, 'adminBlocklistPage') },
  { pattern: /^\/admin\/moderation\/video-blocks(?:\/list)?\/?$/, keys: [], page: lazy(blocklist, 'adminVideoBlocksPage') },
  { pattern: /^\/admin\/follows(?:\/(following-list|followers-list))?\/?$/, keys: ['list'], page: lazy(() => import('../pages/admin/follows.js'), 'adminFollowsPage') },
];
