// The page frame: skip link, header with the instance name, and <main>.
// Also keeps document.title in step with the page and the instance name.
import { getConfig } from './api.js';
import { h } from './dom.js';
import { strings } from './strings.js';

let instanceName = strings.defaultInstanceName;
let pageTitle = '';
let brandName = null;
let brandLink = null;

function updateTitle() {
  document.title = strings.documentTitle(pageTitle, instanceName);
}

/** Sets the page's part of document.title ('' for the instance name alone). */
export function setPageTitle(title) {
  pageTitle = title || '';
  updateTitle();
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
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  root.replaceChildren(
    h('a', { class: 'skip-link', href: '#main' }, strings.skipToContent),
    h(
      'header',
      { class: 'site-header' },
      h('nav', { class: 'site-nav', 'aria-label': strings.mainNavigation }, brandLink),
    ),
    main,
  );
  // The skip link moves focus without changing the route.
  root.querySelector('.skip-link').addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  return main;
}

/** Loads the instance name from /api/v1/config; keeps the default on failure. */
export async function loadInstanceName() {
  try {
    const config = await getConfig();
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
