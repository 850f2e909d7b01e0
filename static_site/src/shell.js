// The page frame: skip link, header (instance name, search, account), the side menu and
// <main>. Keeps document.title in step with the page and the instance name.
import { getConfig } from './api.js';
import { append, h } from './dom.js';
import { navigate } from './router.js';
import { Role, session } from './session.js';
import { strings } from './strings.js';

let instanceName = strings.defaultInstanceName;
let pageTitle = '';
let brandName = null;
let brandLink = null;
let frame = null;
let menu = null;
let accountArea = null;
let searchInput = null;
let signupOpen = true; // until the config says otherwise

function updateTitle() {
  document.title = strings.documentTitle(pageTitle, instanceName);
}

/** Sets the page's part of document.title ('' for the instance name alone). */
export function setPageTitle(title) {
  pageTitle = title || '';
  updateTitle();
}

/** The instance's name as the admin set it (the default until the config is loaded). */
export function getInstanceName() {
  return instanceName;
}

function menuLink(href, text, testId) {
  const link = h('a', { href, class: 'menu-link', 'data-testid': testId }, text);
  return h('li', {}, link);
}

/** The side menu: browsing for everyone, the library for users, admin for staff. */
function renderMenu() {
  const user = session.user;
  const sections = [
    h(
      'ul',
      { class: 'menu-list' },
      menuLink('/', strings.navHome, 'nav-home'),
      menuLink('/videos/trending', strings.navTrending, 'nav-trending'),
      menuLink('/videos/recently-added', strings.navRecent, 'nav-recent'),
      menuLink('/videos/local', strings.navLocal, 'nav-local'),
      user && menuLink('/videos/subscriptions', strings.navSubscriptions, 'nav-subscriptions'),
    ),
  ];
  if (user) {
    sections.push(
      h('p', { class: 'menu-heading' }, strings.navLibrary),
      h(
        'ul',
        { class: 'menu-list' },
        menuLink('/videos/upload', strings.navUpload, 'nav-upload'),
        menuLink('/videos/live', strings.navGoLive, 'nav-go-live'),
        menuLink('/my-library/videos', strings.navMyVideos, 'nav-my-videos'),
        menuLink('/my-library/video-channels', strings.navMyChannels, 'nav-my-channels'),
        menuLink('/my-library/video-playlists', strings.navMyPlaylists, 'nav-my-playlists'),
        menuLink('/my-library/subscriptions', strings.navMySubscriptions, 'nav-my-subscriptions'),
        menuLink('/my-account/settings', strings.navSettings, 'nav-settings'),
      ),
    );
  }
  if (user && session.role <= Role.MODERATOR) {
    sections.push(
      h('p', { class: 'menu-heading' }, strings.navAdministration),
      h(
        'ul',
        { class: 'menu-list' },
        session.role === Role.ADMINISTRATOR && menuLink('/admin/settings', strings.navAdminSettings, 'nav-admin-settings'),
        menuLink('/admin/users', strings.navAdminUsers, 'nav-admin-users'),
        menuLink('/admin/moderation/abuses', strings.navAdminAbuses, 'nav-admin-abuses'),
        menuLink('/admin/moderation/blocklist', strings.navAdminBlocklist, 'nav-admin-blocklist'),
        session.role === Role.ADMINISTRATOR && menuLink('/admin/follows', strings.navAdminFollows, 'nav-admin-follows'),
      ),
    );
  }
  sections.push(
    h(
      'ul',
      { class: 'menu-list menu-footer' },
      // A visitor's preferences (NSFW, P2P, theme) are kept in the browser: the same page.
      !user && menuLink('/my-account/settings', strings.navVisitorSettings, 'nav-settings'),
      menuLink('/about', strings.navAbout, 'nav-about'),
    ),
  );
  menu.replaceChildren(...sections);
  markCurrent();
}

/** aria-current on the menu entry of the page shown. */
function markCurrent() {
  if (!menu) return;
  for (const link of menu.querySelectorAll('a')) {
    const here = new URL(link.href).pathname === location.pathname;
    if (here) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

function renderAccount() {
  const user = session.user;
  if (!user) {
    const next = encodeURIComponent(location.pathname + location.search);
    accountArea.replaceChildren();
    append(accountArea, [
      h('a', { href: `/login?next=${next}`, class: 'button button-quiet', 'data-testid': 'login-link' }, strings.logIn),
      signupOpen && h('a', { href: '/signup', class: 'button', 'data-testid': 'signup-link' }, strings.signUp),
    ]);
    return;
  }
  const name = user.account?.displayName || user.username;
  const avatar = user.account?.avatars?.[0]?.path;
  accountArea.replaceChildren(
    h(
      'a',
      { href: '/videos/upload', class: 'button', 'data-testid': 'upload-button' },
      strings.navUpload,
    ),
    h(
      'a',
      { href: '/my-account/settings', class: 'account-chip', 'data-testid': 'account-chip', title: strings.navSettings },
      avatar ? h('img', { src: avatar, alt: '', class: 'avatar avatar-small' }) : h('span', { class: 'avatar avatar-small avatar-initial', 'aria-hidden': 'true' }, name.slice(0, 1).toUpperCase()),
      h('span', { class: 'account-name' }, name),
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'button button-quiet',
        'data-testid': 'logout',
        async onclick() {
          await session.logout();
          navigate('/');
        },
      },
      strings.logOut,
    ),
  );
}

/** Builds the frame inside root and returns the <main> element pages render into. */
export function renderShell(root) {
  brandName = h('span', { class: 'brand-name' }, instanceName);
  brandLink = h(
    'a',
    { class: 'brand', href: '/', 'aria-label': strings.homeLinkLabel(instanceName) },
    h('span', { class: 'brand-mark', 'aria-hidden': 'true' }),
    brandName,
  );
  searchInput = h('input', {
    type: 'search',
    name: 'search',
    class: 'search-input',
    placeholder: strings.searchPlaceholder,
    'aria-label': strings.searchLabel,
    'data-testid': 'search-input',
  });
  const searchForm = h(
    'form',
    {
      class: 'search-form',
      role: 'search',
      onsubmit(event) {
        event.preventDefault();
        const text = searchInput.value.trim();
        if (text) navigate(`/search?search=${encodeURIComponent(text)}`);
      },
    },
    searchInput,
    h('button', { type: 'submit', class: 'button search-button' }, strings.searchButton),
  );
  menu = h('nav', { class: 'side-menu', id: 'side-menu', 'aria-label': strings.mainNavigation });
  const menuButton = h(
    'button',
    {
      type: 'button',
      class: 'menu-button',
      'aria-controls': 'side-menu',
      'aria-expanded': 'false',
      'aria-label': strings.toggleMenu,
      onclick() {
        const open = frame.classList.toggle('menu-open');
        menuButton.setAttribute('aria-expanded', String(open));
      },
    },
    h('span', { class: 'menu-icon', 'aria-hidden': 'true' }),
  );
  accountArea = h('div', { class: 'account-area' });
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  frame = h('div', { class: 'frame' }, menu, main);
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, strings.skipToContent),
    h('header', { class: 'site-header' }, h('div', { class: 'site-bar' }, menuButton, brandLink, searchForm, accountArea)),
    frame,
  );
  // The skip link moves focus without changing the route.
  root.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  // On a phone the menu covers the page: following one of its links closes it.
  menu.addEventListener('click', (event) => {
    if (event.target.closest('a')) {
      frame.classList.remove('menu-open');
      menuButton.setAttribute('aria-expanded', 'false');
    }
  });
  renderMenu();
  renderAccount();
  session.onChange(() => {
    renderMenu();
    renderAccount();
  });
  return main;
}

/** Called on every route: the embed page shows the bare player, every other the frame. */
export function setBare(bare) {
  document.body.classList.toggle('bare', bare);
  markCurrent();
  if (searchInput && location.pathname !== '/search') searchInput.value = '';
}

/**
 * For pages that need a signed-in user (and a role, 0 admin … 2 user): resolves to the
 * user, or sends the visitor to the login page and returns null.
 */
export async function requireUser(ctx, minimumRole = Role.USER) {
  await session.ready;
  if (!session.user) {
    const next = encodeURIComponent(location.pathname + location.search);
    ctx.navigate(`/login?next=${next}`, { replace: true });
    return null;
  }
  if (session.role > minimumRole) {
    const error = new Error(strings.forbidden);
    error.status = 403;
    throw error;
  }
  return session.user;
}

/** Loads the instance name from /api/v1/config (`fresh`: after an admin changed it);
 * keeps the current name on failure. */
export async function loadInstanceName({ fresh = false } = {}) {
  try {
    const config = await getConfig({ fresh });
    const allowed = config?.signup?.allowed !== false;
    if (allowed !== signupOpen) {
      signupOpen = allowed;
      if (accountArea) renderAccount();
    }
    const name = config && config.instance && config.instance.name;
    if (typeof name === 'string' && name.trim()) {
      instanceName = name.trim();
      if (brandName) brandName.textContent = instanceName;
      if (brandLink) brandLink.setAttribute('aria-label', strings.homeLinkLabel(instanceName));
      updateTitle();
    }
  } catch (error) {
    console.warn('Could not load the instance configuration:', error);
  }
}
