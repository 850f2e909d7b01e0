// What the P2P libraries' Node-minded dependencies (bittorrent-tracker, debug, webtorrent)
// expect of a browser: a `process` and a `global`. Imported before them, so these exist
// when their modules are evaluated (the site's build injects no shims of its own).
globalThis.global ||= globalThis;
globalThis.process ||= {
  env: {},
  browser: true,
  version: '',
  versions: {},
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
};
