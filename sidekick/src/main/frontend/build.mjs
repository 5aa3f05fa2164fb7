// Bundles the page into OUT (the Maven build passes target/classes/dashboard): index.html, favicon,
// and assets/ with content-hashed names, so the sidekick can let browsers cache them for good.
// No CDN and no file from outside this directory at run time.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'assets'), { recursive: true });

const result = await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
const files = Object.keys(result.metafile.outputs).map((f) => basename(f));
const js = files.find((f) => f.endsWith('.js'));
const css = files.find((f) => f.endsWith('.css'));
const html = readFileSync('index.html', 'utf8')
  .replace('%APP_JS%', `assets/${js}`)
  .replace('%APP_CSS%', `assets/${css}`);
writeFileSync(join(out, 'index.html'), html);
copyFileSync('favicon.svg', join(out, 'favicon.svg'));
console.log(`dashboard: ${js}, ${css} -> ${out}`);
