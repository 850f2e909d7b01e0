// What Node-minded dependencies (bittorrent-tracker's client, in p2p-media-loader-core)
// expect of a browser: esbuild injects it wherever they name `process`.
export const process = {
  env: {},
  browser: true,
  version: '',
  versions: {},
  nextTick: (fn, ...args) => queueMicrotask(() => fn(...args)),
};
