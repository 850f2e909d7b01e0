// Builds the Peerless web app into dist/.
//
//   src/main.js   -> dist/app.js (+ dist/app.js.map), bundled and minified by esbuild
//   src/index.html, src/app.css -> copied as they are
//
// The output is deterministic: the same sources and lockfile give byte-identical files.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = dirname(fileURLToPath(import.meta.url));
const src = join(root, 'src');
const dist = join(root, 'dist');

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await build({
  absWorkingDir: root,
  entryPoints: [join(src, 'main.js')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
});

for (const file of ['index.html', 'app.css']) {
  await copyFile(join(src, file), join(dist, file));
}

const files = ['index.html', 'app.css', 'app.js', 'app.js.map'];
const rows = [];
for (const file of files) {
  const data = await readFile(join(dist, file));
  rows.push([file, data.length, gzipSync(data, { level: 9 }).length]);
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
const width = Math.max(...rows.map(([f]) => f.length));
console.log('dist/');
for (const [file, raw, gz] of rows) {
  console.log(`  ${file.padEnd(width)}  ${kb(raw).padStart(10)}  (gzip ${kb(gz)})`);
}
