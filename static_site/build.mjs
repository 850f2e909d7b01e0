// Builds the Peerless web app into dist/.
//
//   src/main.js  -> dist/app.js and dist/chunks/*.js: esbuild bundles and minifies, and
//                   splits each lazily imported page (and the libraries only it uses)
//                   into a chunk of its own, so a page loads only what it needs
//   src/app.css  -> dist/app.css, its @imports bundled
//   src/index.html -> copied as it is; webtorrent's service worker -> dist/webtorrent-sw.js
//
// SITE_OUT=<dir> builds there instead of dist/ (a stack serves it with PEERLESS_SITE_DIR).
//
// The output is deterministic: the same sources and lockfile give byte-identical files.
import { build } from 'esbuild';
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = process.env.SITE_OUT ? resolve(process.env.SITE_OUT) : join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: { app: join(src, 'main.js') },
  outdir: dist,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
});

await build({ ...common, entryPoints: { app: join(src, 'app.css') }, outdir: dist });

await copyFile(join(src, 'index.html'), join(dist, 'index.html'));
// webtorrent's service worker, at the root so that its scope covers every page.
await copyFile(join(root, 'node_modules/webtorrent/dist/sw.min.js'), join(dist, 'webtorrent-sw.js'));

async function walk(dir) {
  const out = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else if (!entry.name.endsWith('.map')) out.push(path);
  }
  return out.sort();
}

const rows = [];
for (const path of await walk(dist)) {
  const data = await readFile(path);
  rows.push([relative(dist, path), data.length, gzipSync(data, { level: 9 }).length]);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const width = Math.max(...rows.map(([f]) => f.length));
console.log('dist/');
for (const [file, raw, gz] of rows) {
  console.log(`  ${file.padEnd(width)}  ${kb(raw).padStart(10)}  (gzip ${kb(gz)})`);
}
