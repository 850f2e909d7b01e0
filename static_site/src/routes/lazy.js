// Pages are loaded when first visited: each is its own chunk, so a page downloads only
// the JavaScript it uses (the watch page's player stays out of the admin pages).

/** A page function that imports `load()` and calls its export `name`. */
export function lazy(load, name) {
  return async (ctx) => {
    const module = await load();
    return module[name](ctx);
  };
}
