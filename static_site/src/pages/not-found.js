// Any path the app does not know.
import { messagePage } from '../components.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

export async function notFoundPage(ctx) {
  setPageTitle(strings.pageNotFoundTitle);
  messagePage(ctx.outlet, {
    title: strings.pageNotFoundTitle,
    text: strings.pageNotFound,
    testId: 'page-not-found',
  });
  ctx.contentReady();
}
