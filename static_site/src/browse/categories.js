// Category chips: links to /videos/browse?categoryOneOf=<id>.
import { h } from '../dom.js';
import { strings } from '../strings.js';

/** `categories` is /api/v1/videos/categories ({ id: label }); `current` the id shown. */
export function categoryChips(categories, current) {
  const entries = Object.entries(categories || {}).sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  return h(
    'nav',
    { class: 'category-chips', 'aria-label': strings.categoriesTitle },
    h(
      'ul',
      {},
      entries.map(([id, label]) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `/videos/browse?categoryOneOf=${encodeURIComponent(id)}`,
              class: 'chip',
              'aria-current': String(current) === id ? 'page' : null,
              'data-testid': `category-${id}`,
            },
            label,
          ),
        ),
      ),
    ),
  );
}
