// The viewer's settings that change what pages show: NSFW policy, autoplay, P2P, video
// languages and theme. A signed-in user's come from /users/me (and are saved there); a
// visitor's are kept in this browser, starting from the instance's defaults.
//
//   const prefs = await preferences.current()
//   await preferences.save({ nsfwPolicy: 'blur' })
import { api, getConfig } from './api.js';
import { session } from './session.js';

const STORAGE_KEY = 'peerless.preferences';
export const NSFW_POLICIES = ['display', 'blur', 'do_not_list'];
// Theme names as PeerTube stores them on the user; 'instance-default' follows the admin.
export const THEMES = ['instance-default', 'peerless-light', 'peerless-dark'];

const FIELDS = ['nsfwPolicy', 'autoPlayVideo', 'p2pEnabled', 'videoLanguages', 'theme'];
const listeners = new Set();

function visitorStored() {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) || '{}') || {};
  } catch {
    return {};
  }
}

async function defaults() {
  let config = null;
  try {
    config = await getConfig();
  } catch {
    // Offline or failing: the built-in defaults below still give a usable page.
  }
  return {
    nsfwPolicy: config?.instance?.defaultNSFWPolicy || 'blur',
    autoPlayVideo: true,
    p2pEnabled: true,
    videoLanguages: null,
    theme: 'instance-default',
    instanceTheme: config?.theme?.default || 'default',
  };
}

/** The settings in force for whoever is looking at the page. */
async function current() {
  await session.ready;
  const base = await defaults();
  const own = session.user || visitorStored();
  const prefs = { ...base };
  for (const field of FIELDS) {
    if (own[field] !== undefined && own[field] !== null) prefs[field] = own[field];
  }
  if (!NSFW_POLICIES.includes(prefs.nsfwPolicy)) prefs.nsfwPolicy = base.nsfwPolicy;
  return prefs;
}

/** Saves some settings (on the account when signed in) and applies them at once. */
async function save(changes) {
  const picked = Object.fromEntries(Object.entries(changes).filter(([key]) => FIELDS.includes(key)));
  if (session.signedIn) {
    await api.put('/api/v1/users/me', { json: picked });
    await session.refresh();
  } else {
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...visitorStored(), ...picked }));
  }
  const prefs = await current();
  applyTheme(prefs);
  for (const listener of listeners) listener(prefs);
  return prefs;
}

/** 'light' or 'dark': the user's choice, else the instance's, else the system's. */
export function resolvedTheme(prefs) {
  if (prefs.theme === 'peerless-dark') return 'dark';
  if (prefs.theme === 'peerless-light') return 'light';
  if (/dark/.test(prefs.instanceTheme || '')) return 'dark';
  if (/light/.test(prefs.instanceTheme || '')) return 'light';
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

const THEME_KEY = 'peerless.theme';

export function applyTheme(prefs) {
  setTheme(resolvedTheme(prefs));
  localStorage.setItem(THEME_KEY, document.documentElement.dataset.theme);
}

function setTheme(theme) {
  document.documentElement.dataset.theme = theme;
  document.querySelector('meta[name="color-scheme"]')?.setAttribute('content', theme);
}

/** The theme this browser showed last, applied before anything is drawn (no flash of the
 * light theme for a dark theme's user while the settings load). */
export function applyLastTheme() {
  const last = localStorage.getItem(THEME_KEY);
  if (last === 'dark' || last === 'light') setTheme(last);
}

export const preferences = {
  current,
  save,
  /** Calls listener(prefs) after every save; returns an unsubscribe. */
  onChange(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

// Signing in or out changes whose settings apply.
session.onChange(async () => {
  const prefs = await current();
  applyTheme(prefs);
  for (const listener of listeners) listener(prefs);
});
