// Builds the web app (web/) with Vite into web/dist (or --outdir), then writes a brotli and a gzip
// copy beside every script, stylesheet and SVG, which the server sends to clients that accept them
// (src/plugins/web.ts): the same bytes a compressing proxy would send, without compressing per request.
// --if-stale: skip the build when web/dist is newer than every source file (the tests use this).
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { upToDate } from './stale.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const webRoot = path.join(root, 'web');
const { values } = parseArgs({ options: { outdir: { type: 'string' }, 'if-stale': { type: 'boolean' } } });
const out = path.resolve(values.outdir ?? path.join(webRoot, 'dist'));

if (values['if-stale'] && upToDate(path.join(out, 'index.html'), webRoot, ['src', 'public', 'index.html', 'vite.config.ts', 'package.json'])) {
  console.log(`web app up to date in ${path.relative(root, out)}`);
  process.exit(0);
}

const { build } = await import('vite');
await build({ configFile: path.join(webRoot, 'vite.config.ts'), root: webRoot, logLevel: 'warn', build: { outDir: out, emptyOutDir: true } });

const assets = path.join(out, 'assets');
let raw = 0;
let br = 0;
for (const name of existsSync(assets) ? readdirSync(assets) : []) {
  if (!/\.(js|css|svg|json)$/.test(name)) continue;
  const file = path.join(assets, name);
  const bytes = readFileSync(file);
  const brotli = zlib.brotliCompressSync(bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(`${file}.br`, brotli);
  writeFileSync(`${file}.gz`, zlib.gzipSync(bytes, { level: 9 }));
  raw += bytes.length;
  br += brotli.length;
}
console.log(`web app built into ${path.relative(root, out)}: ${(raw / 1024).toFixed(0)} KB of assets, ${(br / 1024).toFixed(0)} KB with brotli`);
