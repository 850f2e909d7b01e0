// Entry point of the Peerless web app.
import { errorBox } from './components.js';
import { applyLastTheme, applyTheme, preferences } from './preferences.js';
import { createRouter } from './router.js';
import { routes } from './routes/index.js';
import { notFoundPage } from './pages/not-found.js';
import { loadInstanceName, renderShell, setBare, setPageTitle } from './shell.js';
import { strings } from './strings.js';

applyLastTheme();

function start() {
  const root = document.getElementById('app') || document.body;
  const outlet = renderShell(root);
  const router = createRouter({
    outlet,
    routes,
    notFound: notFoundPage,
    onRoute: ({ bare }) => setBare(bare),
    renderError(ctx, error) {
      setPageTitle(strings.errorTitle);
      ctx.outlet.append(errorBox(error, { onRetry: ctx.reload }));
    },
  });
  loadInstanceName();
  preferences.current().then(applyTheme);
  router.start();
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start, { once: true });
} else {
  start();
}
