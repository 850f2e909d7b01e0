// Who is signed in: OAuth tokens (PeerTube's password grant), kept in localStorage so a
// reload or a second tab stays signed in, and the user's /users/me, loaded once.
//
//   await session.ready          // resolved once the stored session is checked
//   session.user                 // /api/v1/users/me, or null for a visitor
//   await session.login(name, password)
//   await session.logout()
//   session.onChange((user) => …)
import { api, ApiError, setAuth } from './api.js';

const STORAGE_KEY = 'peerless.session';
const listeners = new Set();

let tokens = readTokens();
let user = null;
let refreshing = null;

function readTokens() {
  try {
    const stored = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null');
    return stored && stored.accessToken ? stored : null;
  } catch {
    return null;
  }
}

function saveTokens(next) {
  tokens = next;
  if (next) localStorage.setItem(STORAGE_KEY, JSON.stringify(next));
  else localStorage.removeItem(STORAGE_KEY);
}

function fromTokenAnswer(answer) {
  return { accessToken: answer.access_token, refreshToken: answer.refresh_token };
}

let clientPromise = null;
function oauthClient() {
  clientPromise ||= api.get('/api/v1/oauth-clients/local', { anonymous: true }).catch((error) => {
    clientPromise = null;
    throw error;
  });
  return clientPromise;
}

async function tokenRequest(fields) {
  const client = await oauthClient();
  const form = new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, ...fields });
  return fromTokenAnswer(await api.post('/api/v1/users/token', { form, anonymous: true }));
}

function emit() {
  for (const listener of listeners) {
    try {
      listener(user);
    } catch (error) {
      console.error(error);
    }
  }
}

function signedOut() {
  saveTokens(null);
  user = null;
  emit();
}

setAuth({
  token: () => tokens?.accessToken || null,
  async refresh() {
    if (!tokens?.refreshToken) return false;
    refreshing ||= tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken })
      .then((next) => {
        saveTokens(next);
        return true;
      })
      .catch(() => false)
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  },
  expired: signedOut,
});

// Another tab signed in or out: follow it.
window.addEventListener('storage', (event) => {
  if (event.key !== STORAGE_KEY) return;
  tokens = readTokens();
  if (!tokens) signedOut();
  else loadUser();
});

async function loadUser() {
  if (!tokens) {
    user = null;
    return null;
  }
  try {
    user = await api.get('/api/v1/users/me');
  } catch (error) {
    // A refused token ended the session already (api.js); a network error keeps the
    // tokens so the next page load tries again.
    if (!(error instanceof ApiError) || error.status !== 0) saveTokens(null);
    user = null;
  }
  emit();
  return user;
}

export const session = {
  /** Resolved once the stored session has been checked (user loaded or dropped). */
  ready: loadUser(),

  get user() {
    return user;
  },

  get signedIn() {
    return Boolean(user);
  },

  /** The role id of the user (0 admin, 1 moderator, 2 user), null for a visitor. */
  get role() {
    return user ? Number(user.role?.id ?? user.role) : null;
  },

  hasRight(minimumRole) {
    return user !== null && this.role <= minimumRole;
  },

  async login(username, password) {
    saveTokens(await tokenRequest({ grant_type: 'password', username, password }));
    await loadUser();
    if (!user) throw new ApiError(0, 'Signed in, but the account could not be loaded.');
    return user;
  },

  async logout() {
    try {
      if (tokens) await api.post('/api/v1/users/revoke-token');
    } catch {
      // The tokens are forgotten here whatever the server said.
    }
    signedOut();
  },

  /** Reloads /users/me (after the user changed their profile or settings). */
  refresh: loadUser,

  /** Calls listener(user) after every sign-in, sign-out and refresh; returns an unsubscribe. */
  onChange(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export const Role = { ADMINISTRATOR: 0, MODERATOR: 1, USER: 2 };
