// Builds the P2P test pages' scripts into dist/ with the web app's npm packages
// (static_site/node_modules: hls.js, p2p-media-loader v2, webtorrent) and its esbuild.
//
//   node tests/browser/p2p_pages/build.mjs
//
// The tests run it (tests/browser/test_p2p.py, bench/p2p.py) when dist/ is older than
// the sources; `make site` installed the packages.
import { createRequire } from 'node:module';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const site = resolve(here, '..', '..', '..', 'static_site');
const require = createRequire(join(site, 'package.json'));
const { build } = require('esbuild');

await mkdir(join(here, 'dist'), { recursive: true });
await build({
  absWorkingDir: here,
  entryPoints: { 'hls-p2p': join(here, 'hls-p2p.js'), 'webtorrent-seed': join(here, 'webtorrent-seed.js') },
  outdir: join(here, 'dist'),
  nodePaths: [join(site, 'node_modules')],
  bundle: true,
  inject: [join(here, 'shim.js')],
  define: { global: 'globalThis' },
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
