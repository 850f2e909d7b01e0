// Entry point of the Peerless web app.
import { errorBox } from './components.js';
import { createRouter } from './router.js';
import { homePage } from './pages/home.js';
import { notFoundPage } from './pages/not-found.js';
import { watchPage } from './pages/watch.js';
import { loadInstanceName, renderShell, setPageTitle } from './shell.js';
import { strings } from './strings.js';

const routes = [
  { pattern: /^\/$/, page: homePage },
  { pattern: /^\/w\/([^/]+)\/?$/, keys: ['id'], page: watchPage },
  { pattern: /^\/videos\/watch\/([^/]+)\/?$/, keys: ['id'], page: watchPage },
];

function start() {
  const root = document.getElementById('app') || document.body;
  const outlet = renderShell(root);
  const router = createRouter({
    outlet,
    routes,
    notFound: notFoundPage,
    renderError(ctx, error) {
      setPageTitle(strings.errorTitle);
      ctx.outlet.append(errorBox(error, { onRetry: ctx.reload }));
    },
  });
  loadInstanceName();
  router.start();
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}
